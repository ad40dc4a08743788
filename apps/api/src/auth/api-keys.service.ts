import { type ApiKeyEntity, ApiKeyStore } from '@ct/db';
import type { ApiKey, CreateApiKey, CreatedApiKey } from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { ApiError } from '../errors/api-error.js';
import { ApiKeyCache, type CachedKey } from './api-key-cache.js';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-secret.js';
import type { Principal } from './principal.js';

/** `last_used_at` is refreshed at most this often per key, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Issues, lists, revokes and checks API keys; only hashes are stored. */
@Injectable()
export class ApiKeysService {
  private readonly cache = new ApiKeyCache();

  constructor(
    private readonly keys: ApiKeyStore,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  /** A new key: the answer is the only time the key itself is shown (never in the audit trail). */
  async create(input: CreateApiKey, actor: Principal): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const row = await this.keys.create({ ...input, keyHash: hashApiKey(key), prefix: displayPrefix(key) });
    const { id: keyId, team, role, name } = row;
    this.audit.info('key.created', { keyId, team, role, name, actor: actor.keyId });
    return { ...toApiKey(row), key };
  }

  async list(): Promise<ApiKey[]> {
    return (await this.keys.list()).map(toApiKey);
  }

  /** Revoking a revoked key changes nothing. @throws ApiError not_found. */
  async revoke(id: string, actor: Principal): Promise<void> {
    const revoked = await this.keys.revoke(id);
    this.cache.forgetKey(id);
    if (!revoked) throw ApiError.notFound('API key', id);
    this.audit.info('key.revoked', { keyId: id, actor: actor.keyId });
  }

  /**
   * The principal of a valid, unrevoked key, or null. A valid key is looked up in Postgres at most once per
   * KEY_CACHE_TTL_MS (see ApiKeyCache for how that bounds revocation).
   */
  async authenticate(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    let entry = this.cache.get(hash);
    if (!entry) {
      const generation = this.cache.generation();
      const row = await this.keys.findByHash(hash);
      if (!row || row.revokedAt !== null) return null;
      const principal = { keyId: row.id, team: row.team, role: row.role };
      entry = this.cache.set(hash, principal, row.lastUsedAt?.getTime() ?? null, generation);
    }
    await this.touch(entry);
    return entry.principal;
  }

  private async touch(entry: CachedKey): Promise<void> {
    const now = Date.now();
    if (entry.lastUsedAt !== null && now - entry.lastUsedAt <= LAST_USED_RESOLUTION_MS) return;
    // Set first, so that the requests arriving meanwhile do not write it too.
    entry.lastUsedAt = now;
    await this.keys.touch(entry.principal.keyId, new Date(now));
  }

  /**
   * Makes `key` an admin key of `team` (CT_BOOTSTRAP_ADMIN_KEY). A key that was revoked stays revoked:
   * restarting must not bring back a key someone revoked on purpose. Returns whether it is usable.
   */
  async upsertBootstrapKey(key: string, team: string): Promise<boolean> {
    const row = await this.keys.upsert({
      team,
      role: 'admin',
      name: 'bootstrap admin key (CT_BOOTSTRAP_ADMIN_KEY)',
      keyHash: hashApiKey(key),
      prefix: displayPrefix(key),
    });
    return row.revokedAt === null;
  }
}

function toApiKey(row: ApiKeyEntity): ApiKey {
  return {
    id: row.id,
    team: row.team,
    role: row.role,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
