/** How often a repeated line about a dependency that stays away is written, unless the owner says otherwise. */
const REPEATED_LOG_EVERY_MS = 10_000;

/**
 * Lets a repeated log line through at most once per `everyMs` for each key: a dependency that stays away, or
 * a source that keeps failing, is reported without flooding the log. Keys default to one for the owner.
 */
export class LogThrottle {
  private readonly lastAt = new Map<string, number>();

  constructor(private readonly everyMs = REPEATED_LOG_EVERY_MS) {}

  /** Whether a line about `key` may be written now; when it may, its interval starts again. */
  allow(key = '', now = Date.now()): boolean {
    const last = this.lastAt.get(key);
    if (last !== undefined && now - last < this.everyMs) return false;
    this.lastAt.set(key, now);
    return true;
  }

  /** The next line about `key` goes through at once (its trouble is over). */
  reset(key = ''): void {
    this.lastAt.delete(key);
  }
}
