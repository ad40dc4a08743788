import { AuditAlarms, type AuditStats } from './audit-alarms.js';
import type { AuditSpool } from './audit-spool.js';
import { type AuditEntry, type AuditTransport, deliveredBefore } from './audit-transport.js';
import { RetryBackoff } from './retry-backoff.js';
import { WorkLoop } from './work-loop.js';

export interface DispatcherOptions {
  bufferMax: number;
  batchSize: number;
  retryBaseMs: number;
  retryMaxMs: number;
  alarm: (message: string) => void;
  alarmIntervalMs: number;
  now: () => number;
}

interface Inflight {
  readonly entries: AuditEntry[];
  /** Byte length of each entry's copy at the head of the spool, once a spill wrote one. */
  spooled: number[] | null;
}

/**
 * Moves audit entries to a transport: batches from memory while the transport works; while it fails, every
 * entry goes to the spool, which is replayed in order (with capped exponential backoff) before anything newer.
 * Invariant: in `direct` mode the spool is empty, so entries in memory are always the newest.
 */
export class AuditDispatcher {
  private pending: AuditEntry[] = [];
  private mode: 'direct' | 'spool' = 'direct';
  private inflight: Inflight | null = null;
  private spilling: Promise<void> | null = null;
  private readonly loop: WorkLoop;
  private timer: NodeJS.Timeout | null = null;
  /** The transport's failures in a row; while it fails, entries go to the spool. */
  private readonly delivery: RetryBackoff;
  /** The spool's write failures in a row; while it fails, entries wait in memory. */
  private readonly spoolWrites: RetryBackoff;
  private closed = false;
  private readonly alarms: AuditAlarms;
  private waiters: Array<() => void> = [];
  private readonly counts = { sent: 0, spooled: 0, replayed: 0, dropped: 0 };
  private readonly ready: Promise<void>;
  /** Renews the spool's lease; each tick also asks the loop to adopt the files of owners that died since. */
  private readonly leaseTimer: NodeJS.Timeout;
  private adoptDue = false;

  constructor(
    private readonly transport: AuditTransport,
    private readonly spool: AuditSpool,
    private readonly options: DispatcherOptions,
  ) {
    this.alarms = new AuditAlarms(options, () => this.stats());
    this.loop = new WorkLoop(
      () => this.ready.then(() => this.step()),
      (error) => {
        this.alarms.raise('loop', `audit delivery loop failed: ${String(error)}`);
        this.fail(error);
      },
      () => this.settle(),
    );
    this.delivery = new RetryBackoff(options.retryBaseMs, options.retryMaxMs, options.now);
    this.spoolWrites = new RetryBackoff(options.retryBaseMs, options.retryMaxMs, options.now);
    this.ready = spool.open().then(
      () => {
        if (!spool.isEmpty()) this.mode = 'spool';
      },
      (error: unknown) => this.spoolFailed(error),
    );
    this.leaseTimer = setInterval(() => {
      this.adoptDue = true;
      this.schedule();
    }, spool.lease.renewMs);
    this.leaseTimer.unref();
    this.schedule();
  }

  enqueue(entry: AuditEntry): void {
    if (this.closed) {
      this.drop('an event logged after close() was dropped');
      return;
    }
    if (this.pending.length >= this.options.bufferMax) {
      // Memory may hold up to twice the bound for the moment a spill takes to reach the disk.
      if (!this.spoolWrites.due() || this.pending.length >= 2 * this.options.bufferMax) {
        this.drop(`events dropped: the buffer is full and the spool ${this.spool.dir} cannot be written`);
        return;
      }
      void this.spill();
    }
    this.pending.push(entry);
    this.schedule();
  }

  stats(): AuditStats {
    const unspooled = this.inflight && this.inflight.spooled === null ? this.inflight.entries.length : 0;
    return {
      buffered: this.pending.length + unspooled,
      ...this.counts,
      spoolBytes: this.spool.pendingBytes(),
    };
  }

  /** Resolves once every entry logged so far is delivered or spooled (or cannot be, the spool being broken). */
  flush(): Promise<void> {
    this.schedule();
    // The transport's thread and timers never keep a process alive; a flush being awaited must (a shutdown
    // waits for it). It ends once every entry is delivered or spooled, which a failing delivery bounds.
    const keepAlive = setInterval(() => undefined, 60_000);
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.settle();
    }).finally(() => clearInterval(keepAlive));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    clearInterval(this.leaseTimer);
    if (this.timer) clearTimeout(this.timer);
    await this.loop.stop();
    await this.spilling;
    if (this.pending.length > 0) {
      this.counts.dropped += this.pending.length;
      this.pending = [];
      this.alarms.raise(
        'drop',
        'events still in memory at close() were lost: the spool could not be written',
      );
    }
    this.spool.close();
    await this.transport.close();
  }

  private schedule(): void {
    this.loop.schedule();
  }

  /** One unit of work; false when there is nothing to do until new entries or the retry timer. */
  private async step(): Promise<boolean> {
    // Between two units of work, with no spill running, nothing assumes where the spool's head is: adopted files
    // go behind everything spooled, and spool mode keeps the invariant of direct mode.
    if (this.adoptDue && !this.spilling) {
      this.adoptDue = false;
      const adopted = await this.spool.adopt().catch((error: unknown) => {
        this.alarms.raise('spool', `cannot adopt spool files in ${this.spool.dir}: ${String(error)}`);
        return 0;
      });
      if (adopted > 0) this.mode = 'spool';
      return true;
    }
    if (this.mode === 'spool') {
      if (this.pending.length > 0 && this.spoolWrites.due()) return this.spill().then(() => true);
      if (!this.delivery.due()) return this.wakeAt(this.delivery.dueAt);
      if (!this.spool.isEmpty()) return this.replay().then(() => true);
      if (this.spilling) return this.spilling.then(() => true);
      // Drained (or the spool cannot be written and entries wait in memory): deliver from memory again.
      this.mode = 'direct';
      return true;
    }
    if (this.pending.length === 0) return false;
    if (!this.delivery.due()) {
      // Only a broken spool keeps entries in memory while the transport waits: retry the spool first.
      if (this.spoolWrites.due()) this.mode = 'spool';
      return this.mode === 'spool' || this.wakeAt(Math.min(this.delivery.dueAt, this.spoolWrites.dueAt));
    }
    await this.deliverDirect();
    return true;
  }

  private async deliverDirect(): Promise<void> {
    const inflight: Inflight = { entries: this.pending.splice(0, this.options.batchSize), spooled: null };
    this.inflight = inflight;
    const delivered = await this.send(inflight.entries);
    this.inflight = null;
    // A spill that ran meanwhile put a copy of this batch at the head of the spool.
    if (this.spilling) await this.spilling;
    this.counts.sent += delivered;
    if (inflight.spooled) {
      const consumed = inflight.spooled.slice(0, delivered).reduce((sum, n) => sum + n, 0);
      await this.spool
        .consume(consumed)
        .catch((error: unknown) => this.alarms.raise('spool', `offset not saved: ${error}`));
    } else if (delivered < inflight.entries.length) {
      this.pending.unshift(...inflight.entries.slice(delivered));
      this.mode = 'spool';
    }
  }

  private async replay(): Promise<void> {
    const read = await this.spool.read(this.options.batchSize);
    if (read.corrupt > 0)
      this.alarms.raise('corrupt', `${read.corrupt} unreadable line(s) in the spool were skipped`);
    if (read.entries.length === 0) return this.spool.consume(read.total);
    const delivered = await this.send(read.entries);
    this.counts.sent += delivered;
    this.counts.replayed += delivered;
    const consumed = delivered === read.entries.length ? read.total : (read.ends[delivered - 1] ?? 0);
    await this.spool
      .consume(consumed)
      .catch((error: unknown) => this.alarms.raise('spool', `offset not saved: ${error}`));
  }

  /** Delivers a batch; returns how many of its entries arrived (a failure is counted in `delivery`). */
  private async send(entries: AuditEntry[]): Promise<number> {
    try {
      await this.transport.deliver(entries);
      this.delivery.succeeded();
      return entries.length;
    } catch (error) {
      this.fail(error);
      return deliveredBefore(error, entries.length);
    }
  }

  /** Writes everything in memory to the spool, behind an in-flight direct batch if there is one. */
  private spill(): Promise<void> {
    this.spilling ??= this.ready
      .then(async () => {
        while (this.pending.length > 0 && this.spoolWrites.due()) {
          const inflight = this.mode === 'direct' && this.inflight?.spooled === null ? this.inflight : null;
          const batch = this.pending.splice(0);
          const entries = inflight ? [...inflight.entries, ...batch] : batch;
          if (inflight) inflight.spooled = [];
          this.mode = 'spool';
          try {
            const bytes = await this.spool.append(entries);
            if (inflight) inflight.spooled = bytes.slice(0, inflight.entries.length);
            this.counts.spooled += entries.length;
            this.spoolWrites.succeeded();
          } catch (error) {
            if (inflight) inflight.spooled = null;
            this.pending.unshift(...batch);
            this.spoolFailed(error);
          }
        }
      })
      .finally(() => {
        this.spilling = null;
        this.schedule();
        this.settle();
      });
    return this.spilling;
  }

  private spoolFailed(error: unknown): void {
    this.spoolWrites.failed();
    this.alarms.raise('spool', `cannot write the audit spool in ${this.spool.dir}: ${String(error)}`);
  }

  private fail(error: unknown): void {
    if (this.delivery.failed() === 1)
      this.alarms.raise(
        'transport',
        `transport ${this.transport.name} failed, spooling until it is back: ${String(error)}`,
      );
  }

  private wakeAt(at: number): false {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.schedule();
      },
      Math.max(0, at - this.options.now()),
    );
    // Retries must not keep a process alive that has nothing else to do.
    this.timer.unref();
    return false;
  }

  private settle(): void {
    const busy = this.loop.pending || this.spilling !== null || this.inflight !== null;
    const stuck = this.spoolWrites.failing && !this.loop.active;
    if (busy || (this.pending.length > 0 && !stuck)) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private drop(reason: string): void {
    this.counts.dropped += 1;
    this.alarms.raise('drop', reason);
  }
}
