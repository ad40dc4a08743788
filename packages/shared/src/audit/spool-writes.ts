import type { AuditAlarms } from './audit-alarms.js';
import type { AuditSpool } from './audit-spool.js';
import type { AuditEntry } from './audit-transport.js';
import { RetryBackoff } from './retry-backoff.js';

/**
 * The spool's side of an audit dispatcher: appends what the transport could not take, counting the spool's
 * write failures in a row (with backoff, each with an alarm), and adopts the files of dead owners.
 */
export class SpoolWrites {
  /** The spool's write failures in a row; while it fails, entries wait in memory. */
  readonly retry: RetryBackoff;

  constructor(
    private readonly spool: AuditSpool,
    private readonly alarms: AuditAlarms,
    private readonly counts: { spooled: number },
    options: { retryBaseMs: number; retryMaxMs: number; now: () => number },
  ) {
    this.retry = new RetryBackoff(options.retryBaseMs, options.retryMaxMs, options.now);
  }

  /** Appends entries in order; returns each line's byte length. A failure is thrown, for `failed()`. */
  async append(entries: readonly AuditEntry[]): Promise<number[]> {
    const bytes = await this.spool.append(entries);
    this.counts.spooled += entries.length;
    this.retry.succeeded();
    return bytes;
  }

  /** Counts a failure to open or write the spool, with an alarm. */
  failed(error: unknown): void {
    this.retry.failed();
    this.alarms.raise('spool', `cannot write the audit spool in ${this.spool.dir}: ${String(error)}`);
  }

  /** Renews the spool's lease and adopts the files of dead owners; returns how many (0 when it failed). */
  adopt(): Promise<number> {
    return this.spool.adopt().catch((error: unknown) => {
      this.alarms.raise('spool', `cannot adopt spool files in ${this.spool.dir}: ${String(error)}`);
      return 0;
    });
  }
}
