import type { Principal } from './principal.js';

/**
 * How long a key found valid in Postgres is trusted without asking Postgres again. It bounds revocation: a key
 * revoked through another API instance (or in the database) stops working within this time; a key revoked
 * through this instance stops at once (`forgetKey`).
 */
export const KEY_CACHE_TTL_MS = 5_000;

/** Beyond this many keys the oldest entry goes: the cache cannot grow without bound. */
const KEY_CACHE_MAX_ENTRIES = 10_000;

/** A valid key as last read from Postgres. */
export interface CachedKey {
  readonly principal: Principal;
  /** When `last_used_at` was last written, in ms since the epoch; null if never. */
  lastUsedAt: number | null;
  readonly expiresAt: number;
}

/**
 * Valid keys by hash, each for at most `ttlMs`, so that a request costs no Postgres round trip for its key.
 * Unknown and revoked keys are never cached: a new key works at once, and guessed keys cannot fill the cache.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, CachedKey>();
  // Bumped by every revocation: a lookup that started before one must not cache what it read.
  private revocations = 0;

  constructor(
    private readonly ttlMs = KEY_CACHE_TTL_MS,
    private readonly maxEntries = KEY_CACHE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): CachedKey | undefined {
    const entry = this.entries.get(hash);
    if (entry && entry.expiresAt > this.now()) return entry;
    if (entry) this.entries.delete(hash);
    return undefined;
  }

  /** What a lookup in Postgres must hand back to `set`, taken before the lookup starts. */
  generation(): number {
    return this.revocations;
  }

  /**
   * Caches a valid key read by a lookup that started at `generation`; a revocation since then leaves it out
   * (the row read may be from before the revocation). Returns the entry either way.
   */
  set(hash: string, principal: Principal, lastUsedAt: number | null, generation: number): CachedKey {
    const entry: CachedKey = { principal, lastUsedAt, expiresAt: this.now() + this.ttlMs };
    if (generation !== this.revocations) return entry;
    this.entries.delete(hash);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, entry);
    return entry;
  }

  /** A key revoked here stops working at once. */
  forgetKey(keyId: string): void {
    this.revocations++;
    for (const [hash, entry] of this.entries) if (entry.principal.keyId === keyId) this.entries.delete(hash);
  }

  get size(): number {
    return this.entries.size;
  }
}
