import type { JobStore, ModelLockStore } from '@ct/db';
import { describeError } from '../errors/infrastructure-error.js';

const WATCHDOG_EVERY_MS = 250;

export interface LeaseOptions {
  jobId: string;
  attempt: number;
  leaseMs: number;
  /** The registered model's lock this attempt holds, renewed with the heartbeat. */
  modelLock: { model: string; holder: string } | null;
  jobs: Pick<JobStore, 'heartbeat'>;
  locks: Pick<ModelLockStore, 'renew'>;
  /**
   * The attempt is no longer this worker's to run: stop its child now. `refused` when Postgres said so (it
   * was taken over or ended elsewhere), `silent` when no renewal got through for a lease.
   */
  lost(why: string, how: 'refused' | 'silent'): void;
  warn(message: string): void;
}

/**
 * Keeps a running attempt's lease in Postgres: renews its heartbeat (and its model lock) three times a
 * lease. When a renewal is refused (the attempt was taken over or ended elsewhere), or none succeeded for a
 * whole lease (Postgres unreachable), the attempt is lost: whoever takes the job over waits out the lease
 * (plus the kill grace), so the child must be stopped by then.
 */
export class AttemptLease {
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastRenewed = Date.now();
  private renewing = false;
  private ended = false;

  constructor(private readonly options: LeaseOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(500, Math.floor(this.options.leaseMs / 3)));
    // Apart from the renewals: one that hangs (a Postgres cut off without a reset) must not delay the stop.
    this.watchdog = setInterval(() => {
      const silentFor = Date.now() - this.lastRenewed;
      if (silentFor >= this.options.leaseMs)
        this.lose(`its heartbeat could not be renewed for ${silentFor} ms`, 'silent');
    }, WATCHDOG_EVERY_MS);
  }

  stop(): void {
    this.ended = true;
    clearInterval(this.timer);
    clearInterval(this.watchdog);
  }

  async renew(): Promise<void> {
    if (this.renewing || this.ended) return;
    this.renewing = true;
    const { jobId, attempt, modelLock, leaseMs } = this.options;
    const sentAt = Date.now();
    try {
      if (!(await this.options.jobs.heartbeat(jobId, attempt)))
        return this.lose(`attempt ${attempt} is no longer the job's running attempt`, 'refused');
      if (modelLock && !(await this.options.locks.renew(modelLock.model, modelLock.holder, leaseMs)))
        return this.lose(`the lock on ${modelLock.model} was lost`, 'refused');
      // Counted from when the renewal was sent: the lease Postgres granted runs from about then.
      this.lastRenewed = sentAt;
    } catch (error) {
      const silentFor = Date.now() - this.lastRenewed;
      this.options.warn(`attempt heartbeat not renewed for ${silentFor} ms: ${describeError(error)}`);
    } finally {
      this.renewing = false;
    }
  }

  private lose(why: string, how: 'refused' | 'silent'): void {
    if (this.ended) return;
    this.stop();
    this.options.lost(why, how);
  }
}
