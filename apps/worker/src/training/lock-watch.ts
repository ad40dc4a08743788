import type { JobControl } from './running-jobs.js';

const CHECK_EVERY_MS = 500;
/** Stop a little before the lock really expires: the renewal we saw was sent earlier than it arrived. */
const MARGIN = 0.85;

/** One job's watch, from the processor's start to its end. */
export interface WatchedJob {
  readonly lost: boolean;
  attach(control: JobControl): void;
  done(): void;
}

interface Entry {
  renewedAt: number;
  control: JobControl | null;
  lost: boolean;
}

/**
 * Stops a job's child as soon as this worker may no longer hold the job's BullMQ lock: BullMQ aborted the
 * processor, reported a failed renewal, or no renewal came back for (almost) a whole lock duration (Redis
 * paused or unreachable). Another worker may then take the job; the child must not still be running it.
 */
export class LockWatch {
  private readonly jobs = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly lockDurationMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  watch(jobId: string, signal?: AbortSignal): WatchedJob {
    const entry: Entry = { renewedAt: this.now(), control: null, lost: false };
    this.jobs.set(jobId, entry);
    signal?.addEventListener('abort', () => this.lost(jobId, 'BullMQ aborted the job'), { once: true });
    return {
      get lost() {
        return entry.lost;
      },
      attach: (control) => {
        entry.control = control;
        if (entry.lost) control.stop('lock_lost');
      },
      done: () => {
        if (this.jobs.get(jobId) === entry) this.jobs.delete(jobId);
      },
    };
  }

  renewed(jobIds: readonly string[]): void {
    const now = this.now();
    for (const id of jobIds) {
      const entry = this.jobs.get(id);
      if (entry) entry.renewedAt = now;
    }
  }

  lost(jobId: string, _why: string): void {
    const entry = this.jobs.get(jobId);
    if (!entry || entry.lost) return;
    entry.lost = true;
    entry.control?.stop('lock_lost');
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Runs every 500 ms; public for tests. */
  check(): void {
    const now = this.now();
    for (const [id, entry] of this.jobs)
      if (now - entry.renewedAt > this.lockDurationMs * MARGIN) this.lost(id, 'no lock renewal came back');
  }
}
