import type { AuditAlarms } from './audit-alarms.js';
import type { AuditSpool } from './audit-spool.js';
import { type AuditEntry, type AuditTransport, deliveredBefore } from './audit-transport.js';
import { RetryBackoff } from './retry-backoff.js';

/**
 * The transport's side of an audit dispatcher: delivers batches, from memory or from the head of the spool,
 * counts what arrived (`sent`, and `replayed` from the spool) and the transport's failures in a row (with
 * backoff, and an alarm at the first of them).
 */
export class AuditDelivery {
  /** The transport's failures in a row; while it fails, entries go to the spool. */
  readonly retry: RetryBackoff;

  constructor(
    private readonly transport: AuditTransport,
    private readonly spool: AuditSpool,
    private readonly alarms: AuditAlarms,
    private readonly counts: { sent: number; replayed: number },
    options: { retryBaseMs: number; retryMaxMs: number; now: () => number },
  ) {
    this.retry = new RetryBackoff(options.retryBaseMs, options.retryMaxMs, options.now);
  }

  /**
   * Delivers a batch; returns how many of its entries arrived, and counts them as sent (a failure is counted
   * in `retry`).
   */
  async send(entries: AuditEntry[]): Promise<number> {
    let delivered = entries.length;
    try {
      await this.transport.deliver(entries);
      this.retry.succeeded();
    } catch (error) {
      this.failed(error);
      delivered = deliveredBefore(error, entries.length);
    }
    this.counts.sent += delivered;
    return delivered;
  }

  /** Delivers up to `max` entries from the head of the spool, and consumes what arrived. */
  async replay(max: number): Promise<void> {
    const read = await this.spool.read(max);
    if (read.corrupt > 0)
      this.alarms.raise('corrupt', `${read.corrupt} unreadable line(s) in the spool were skipped`);
    if (read.entries.length === 0) return this.spool.consume(read.total);
    const delivered = await this.send(read.entries);
    this.counts.replayed += delivered;
    await this.consume(delivered === read.entries.length ? read.total : (read.ends[delivered - 1] ?? 0));
  }

  /** Marks `bytes` from the head of the spool as delivered; if that fails, they will be delivered again. */
  consume(bytes: number): Promise<void> {
    return this.spool
      .consume(bytes)
      .catch((error: unknown) => this.alarms.raise('spool', `offset not saved: ${error}`));
  }

  /** Counts a failure of the transport; the first in a row raises an alarm. */
  failed(error: unknown): void {
    if (this.retry.failed() === 1)
      this.alarms.raise(
        'transport',
        `transport ${this.transport.name} failed, spooling until it is back: ${String(error)}`,
      );
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
