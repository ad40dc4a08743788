import type { AuditSpool } from './audit-spool.js';
import { type AuditEntry, type AuditTransport, deliveredBefore } from './audit-transport.js';

/** Counters of an audit log since it started. */
export interface AuditStats {
  /** In memory, neither delivered nor spooled yet. */
  buffered: number;
  /** Delivered to the transport, directly or from the spool. */
  sent: number;
  /** Written to the spool. */
  spooled: number;
  /** Delivered from the spool (part of `sent`). */
  replayed: number;
  /** Lost: the buffer was full and the spool could not be written, or logged after close(). */
  dropped: number;
  /** Bytes in the spool not yet delivered. */
  spoolBytes: number;
}

export interface DispatcherOptions {
  bufferMax: number;
  batchSize: number;
  retryBaseMs: number;
  retryMaxMs: number;
  alarm: (message: string) => void;
  alarmIntervalMs: number;
  now: () => number;
}

/** Wait before retry number `failures` (1, 2, ...): base, doubling, capped. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  return failures <= 0 ? 0 : Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
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
  private pumping: Promise<void> | null = null;
  private rerun = false;
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private retryAt = 0;
  private spoolFailures = 0;
  private spoolRetryAt = 0;
  private spoolBroken = false;
  private closed = false;
  private stopped = false;
  private readonly lastAlarm = new Map<string, number>();
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
      if (!this.canWriteSpool() || this.pending.length >= 2 * this.options.bufferMax) {
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
    this.stopped = true;
    clearInterval(this.leaseTimer);
    if (this.timer) clearTimeout(this.timer);
    await this.pumping;
    await this.spilling;
    if (this.pending.length > 0) {
      this.counts.dropped += this.pending.length;
      this.pending = [];
      this.alarm('drop', 'events still in memory at close() were lost: the spool could not be written');
    }
    this.spool.close();
    await this.transport.close();
  }

  private schedule(): void {
    if (this.stopped || this.scheduled) return;
    if (this.pumping) {
      this.rerun = true;
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pumping = this.pump().finally(() => {
        this.pumping = null;
        if (this.rerun) {
          this.rerun = false;
          this.schedule();
        }
        this.settle();
      });
    });
  }

  private async pump(): Promise<void> {
    await this.ready;
    while (!this.stopped) {
      try {
        if (!(await this.step())) return;
      } catch (error) {
        this.alarm('loop', `audit delivery loop failed: ${String(error)}`);
        this.fail(error);
      }
    }
  }

  /** One unit of work; false when there is nothing to do until new entries or the retry timer. */
  private async step(): Promise<boolean> {
    // Between two units of work, with no spill running, nothing assumes where the spool's head is: adopted files
    // go behind everything spooled, and spool mode keeps the invariant of direct mode.
    if (this.adoptDue && !this.spilling) {
      this.adoptDue = false;
      const adopted = await this.spool.adopt().catch((error: unknown) => {
        this.alarm('spool', `cannot adopt spool files in ${this.spool.dir}: ${String(error)}`);
        return 0;
      });
      if (adopted > 0) this.mode = 'spool';
      return true;
    }
    const now = this.options.now();
    if (this.mode === 'spool') {
      if (this.pending.length > 0 && this.canWriteSpool()) return this.spill().then(() => true);
      if (now < this.retryAt) return this.wakeAt(this.retryAt);
      if (!this.spool.isEmpty()) return this.replay().then(() => true);
      if (this.spilling) return this.spilling.then(() => true);
      // Drained (or the spool cannot be written and entries wait in memory): deliver from memory again.
      this.mode = 'direct';
      return true;
    }
    if (this.pending.length === 0) return false;
    if (now < this.retryAt) {
      // Only a broken spool keeps entries in memory while the transport waits: retry the spool first.
      if (this.canWriteSpool()) this.mode = 'spool';
      return this.mode === 'spool' || this.wakeAt(Math.min(this.retryAt, this.spoolRetryAt));
    }
    await this.deliverDirect();
    return true;
  }

  private async deliverDirect(): Promise<void> {
    const inflight: Inflight = { entries: this.pending.splice(0, this.options.batchSize), spooled: null };
    this.inflight = inflight;
    let delivered = inflight.entries.length;
    let failure: unknown = null;
    try {
      await this.transport.deliver(inflight.entries);
    } catch (error) {
      failure = error;
      delivered = deliveredBefore(error, inflight.entries.length);
    }
    this.inflight = null;
    // A spill that ran meanwhile put a copy of this batch at the head of the spool.
    if (this.spilling) await this.spilling;
    this.counts.sent += delivered;
    if (inflight.spooled) {
      const consumed = inflight.spooled.slice(0, delivered).reduce((sum, n) => sum + n, 0);
      await this.spool
        .consume(consumed)
        .catch((error: unknown) => this.alarm('spool', `offset not saved: ${error}`));
    } else if (delivered < inflight.entries.length) {
      this.pending.unshift(...inflight.entries.slice(delivered));
      this.mode = 'spool';
    }
    if (failure === null) this.failures = 0;
    else this.fail(failure);
  }

  private async replay(): Promise<void> {
    const read = await this.spool.read(this.options.batchSize);
    if (read.corrupt > 0)
      this.alarm('corrupt', `${read.corrupt} unreadable line(s) in the spool were skipped`);
    if (read.entries.length === 0) return this.spool.consume(read.total);
    let delivered = read.entries.length;
    let failure: unknown = null;
    try {
      await this.transport.deliver(read.entries);
    } catch (error) {
      failure = error;
      delivered = deliveredBefore(error, read.entries.length);
    }
    this.counts.sent += delivered;
    this.counts.replayed += delivered;
    const consumed = delivered === read.entries.length ? read.total : (read.ends[delivered - 1] ?? 0);
    await this.spool
      .consume(consumed)
      .catch((error: unknown) => this.alarm('spool', `offset not saved: ${error}`));
    if (failure === null) this.failures = 0;
    else this.fail(failure);
  }

  /** Writes everything in memory to the spool, behind an in-flight direct batch if there is one. */
  private spill(): Promise<void> {
    this.spilling ??= this.ready
      .then(async () => {
        while (this.pending.length > 0 && this.canWriteSpool()) {
          const inflight = this.mode === 'direct' && this.inflight?.spooled === null ? this.inflight : null;
          const batch = this.pending.splice(0);
          const entries = inflight ? [...inflight.entries, ...batch] : batch;
          if (inflight) inflight.spooled = [];
          this.mode = 'spool';
          try {
            const bytes = await this.spool.append(entries);
            if (inflight) inflight.spooled = bytes.slice(0, inflight.entries.length);
            this.counts.spooled += entries.length;
            this.spoolBroken = false;
            this.spoolFailures = 0;
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

  private canWriteSpool(): boolean {
    return !this.spoolBroken || this.options.now() >= this.spoolRetryAt;
  }

  private spoolFailed(error: unknown): void {
    this.spoolBroken = true;
    this.spoolFailures += 1;
    const { retryBaseMs, retryMaxMs } = this.options;
    this.spoolRetryAt = this.options.now() + backoffDelay(this.spoolFailures, retryBaseMs, retryMaxMs);
    this.alarm('spool', `cannot write the audit spool in ${this.spool.dir}: ${String(error)}`);
  }

  private fail(error: unknown): void {
    this.failures += 1;
    const { retryBaseMs, retryMaxMs } = this.options;
    this.retryAt = this.options.now() + backoffDelay(this.failures, retryBaseMs, retryMaxMs);
    if (this.failures === 1)
      this.alarm(
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
    const busy = this.scheduled || this.spilling !== null || this.inflight !== null;
    const stuck = this.spoolBroken && this.pumping === null;
    if (busy || (this.pending.length > 0 && !stuck)) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private drop(reason: string): void {
    this.counts.dropped += 1;
    this.alarm('drop', reason);
  }

  /** At most once per interval and kind, with the counters, so that a full disk is loud but not a flood. */
  private alarm(kind: string, reason: string): void {
    const now = this.options.now();
    if (now - (this.lastAlarm.get(kind) ?? Number.NEGATIVE_INFINITY) < this.options.alarmIntervalMs) return;
    this.lastAlarm.set(kind, now);
    const { buffered, sent, spooled, replayed, dropped } = this.stats();
    this.options.alarm(
      `[audit] ${reason} (buffered=${buffered} sent=${sent} spooled=${spooled} replayed=${replayed} dropped=${dropped})`,
    );
  }
}
