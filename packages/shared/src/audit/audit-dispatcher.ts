import { AuditAlarms, type AuditStats } from './audit-alarms.js';
import { AuditDelivery } from './audit-delivery.js';
import type { AuditSpool } from './audit-spool.js';
import type { AuditEntry, AuditTransport } from './audit-transport.js';
import { SpoolWrites } from './spool-writes.js';
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
  private readonly delivery: AuditDelivery;
  private readonly spoolWrites: SpoolWrites;
  private closed = false;
  private readonly alarms: AuditAlarms;
  private waiters: Array<() => void> = [];
  private readonly counts = { sent: 0, spooled: 0, replayed: 0, dropped: 0 };
  private readonly ready: Promise<void>;
  /** Renews the spool's lease; each tick also asks the loop to adopt the files of owners that died since. */
  private readonly leaseTimer: NodeJS.Timeout;
  private adoptDue = false;

  constructor(
    transport: AuditTransport,
    private readonly spool: AuditSpool,
    private readonly options: DispatcherOptions,
  ) {
    this.alarms = new AuditAlarms(options, () => this.stats());
    this.loop = new WorkLoop(
      () => this.ready.then(() => this.step()),
      (error) => {
        this.alarms.raise('loop', `audit delivery loop failed: ${String(error)}`);
        this.delivery.failed(error);
      },
      () => this.settle(),
    );
    this.delivery = new AuditDelivery(transport, spool, this.alarms, this.counts, options);
    this.spoolWrites = new SpoolWrites(spool, this.alarms, this.counts, options);
    this.ready = spool.open().then(
      () => {
        if (!spool.isEmpty()) this.mode = 'spool';
      },
      (error: unknown) => this.spoolWrites.failed(error),
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
      if (!this.spoolWrites.retry.due() || this.pending.length >= 2 * this.options.bufferMax) {
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
    await this.delivery.close();
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
      if ((await this.spoolWrites.adopt()) > 0) this.mode = 'spool';
      return true;
    }
    if (this.mode === 'spool') {
      if (this.pending.length > 0 && this.spoolWrites.retry.due()) return this.spill().then(() => true);
      if (!this.delivery.retry.due()) return this.wakeAt(this.delivery.retry.dueAt);
      if (!this.spool.isEmpty()) return this.delivery.replay(this.options.batchSize).then(() => true);
      if (this.spilling) return this.spilling.then(() => true);
      // Drained (or the spool cannot be written and entries wait in memory): deliver from memory again.
      this.mode = 'direct';
      return true;
    }
    if (this.pending.length === 0) return false;
    if (!this.delivery.retry.due()) {
      // Only a broken spool keeps entries in memory while the transport waits: retry the spool first.
      if (this.spoolWrites.retry.due()) this.mode = 'spool';
      return (
        this.mode === 'spool' ||
        this.wakeAt(Math.min(this.delivery.retry.dueAt, this.spoolWrites.retry.dueAt))
      );
    }
    await this.deliverDirect();
    return true;
  }

  private async deliverDirect(): Promise<void> {
    const inflight: Inflight = { entries: this.pending.splice(0, this.options.batchSize), spooled: null };
    this.inflight = inflight;
    const delivered = await this.delivery.send(inflight.entries);
    this.inflight = null;
    // A spill that ran meanwhile put a copy of this batch at the head of the spool.
    if (this.spilling) await this.spilling;
    if (inflight.spooled) {
      await this.delivery.consume(inflight.spooled.slice(0, delivered).reduce((sum, n) => sum + n, 0));
    } else if (delivered < inflight.entries.length) {
      this.pending.unshift(...inflight.entries.slice(delivered));
      this.mode = 'spool';
    }
  }

  /** Writes everything in memory to the spool, behind an in-flight direct batch if there is one. */
  private spill(): Promise<void> {
    this.spilling ??= this.ready
      .then(async () => {
        while (this.pending.length > 0 && this.spoolWrites.retry.due()) {
          const inflight = this.mode === 'direct' && this.inflight?.spooled === null ? this.inflight : null;
          const batch = this.pending.splice(0);
          const entries = inflight ? [...inflight.entries, ...batch] : batch;
          if (inflight) inflight.spooled = [];
          this.mode = 'spool';
          try {
            const bytes = await this.spoolWrites.append(entries);
            if (inflight) inflight.spooled = bytes.slice(0, inflight.entries.length);
          } catch (error) {
            if (inflight) inflight.spooled = null;
            this.pending.unshift(...batch);
            this.spoolWrites.failed(error);
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

  private wakeAt(at: number): false {
    this.loop.scheduleIn(at - this.options.now());
    return false;
  }

  private settle(): void {
    const busy = this.loop.pending || this.spilling !== null || this.inflight !== null;
    const stuck = this.spoolWrites.retry.failing && !this.loop.active;
    if (busy || (this.pending.length > 0 && !stuck)) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private drop(reason: string): void {
    this.counts.dropped += 1;
    this.alarms.raise('drop', reason);
  }
}
