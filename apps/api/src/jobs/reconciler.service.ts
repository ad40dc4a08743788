import { type JobEntity, JobStore } from '@ct/db';
import type { JobState } from '@ct/shared';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { JobQueues, type QueuedJobState } from '../queues/job-queues.js';
import { LostAttempts } from './lost-attempts.js';

/** Rows younger than this are left alone: their request may still be adding them to BullMQ. */
const RECONCILE_MIN_AGE_MS = 5_000;

/** Rows read per query; a pass reads page after page until it has seen them all. */
const RECONCILE_PAGE_SIZE = 500;

/** What one pass did: jobs put (back) into BullMQ, and running jobs of lost workers ended or re-queued. */
interface ReconcilePass {
  queued: number;
  settled: number;
}

/**
 * Postgres is the source of truth: every so often, each job queued there for a while must be in BullMQ, and
 * each job running there must have a live worker. A missing BullMQ job (Redis was down, or the API died
 * between the insert and the add) is added; a finished one left over from an earlier run is replaced. A
 * running job whose BullMQ job is finished or gone and whose attempt's lease has expired lost its worker:
 * it is cancelled (if asked), queued again (attempts left) or failed, through the lifecycle.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcilePass> | undefined;
  private stopped = false;

  constructor(
    private readonly jobs: JobStore,
    private readonly queue: JobQueues,
    private readonly lost: LostAttempts,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass. A call during a pass joins that pass. */
  reconcile(options: { minAgeMs?: number; pageSize?: number } = {}): Promise<ReconcilePass> {
    const { minAgeMs = RECONCILE_MIN_AGE_MS, pageSize = RECONCILE_PAGE_SIZE } = options;
    this.running ??= this.pass(minAgeMs, pageSize).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.config.reconcileIntervalMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.reconcile();
    } catch (error) {
      // Typically Redis or Postgres is down; the next pass tries again, and nothing was lost meanwhile.
      this.logger.warn(`reconcile pass failed: ${(error as Error).message}`);
    } finally {
      this.schedule();
    }
  }

  private async pass(minAgeMs: number, pageSize: number): Promise<ReconcilePass> {
    const before = new Date(Date.now() - minAgeMs);
    const done: ReconcilePass = { queued: 0, settled: 0 };
    for await (const page of this.pages('queued', before, pageSize))
      for (const row of page) if (!this.stopped && (await this.enqueueQueued(row))) done.queued += 1;
    for await (const page of this.pages('running', before, pageSize)) {
      const silences = await this.lost.silences(page.map((row) => row.id));
      for (const row of page)
        if (!this.stopped && (await this.settleIfLost(row, silences.get(row.id)))) done.settled += 1;
    }
    return done;
  }

  /** All rows in `state` changed before `before`, page by page in id order (a backlog hides none). */
  private async *pages(state: JobState, before: Date, limit: number): AsyncGenerator<JobEntity[]> {
    let afterId: string | null = null;
    while (!this.stopped) {
      const page = await this.jobs.pageInState(state, before, afterId, limit);
      if (page.length > 0) yield page;
      const last = page.at(-1);
      if (page.length < limit || last === undefined) return;
      afterId = last.id;
    }
  }

  private async enqueueQueued(row: JobEntity): Promise<boolean> {
    const state = await this.queue.getState(row.id, row.kind);
    if (!(await this.enqueue(row, state))) return false;
    this.logger.log(`job ${row.id} was queued in Postgres but ${state} in BullMQ: queued it again`);
    return true;
  }

  /** Adds a job BullMQ lacks, replaces one BullMQ has finished; leaves the others (a worker has them). */
  private async enqueue(row: JobEntity, state: QueuedJobState): Promise<boolean> {
    if (state === 'missing') {
      await this.queue.add(row);
      return true;
    }
    return (state === 'completed' || state === 'failed') && this.queue.replace(row);
  }

  /**
   * An active BullMQ job is left to BullMQ's stall detection and the workers, a waiting or delayed one to
   * the worker that takes it next (it settles the lost attempt itself).
   */
  private async settleIfLost(row: JobEntity, silentMs: number | undefined): Promise<boolean> {
    if (silentMs === undefined || !this.lost.expired(silentMs)) return false;
    const state = await this.queue.getState(row.id, row.kind);
    if (state !== 'completed' && state !== 'failed' && state !== 'missing') return false;
    const held = state === 'missing' ? 'BullMQ holds no job for it' : `BullMQ holds its job as ${state}`;
    const why = `worker lost: attempt ${row.attempts} renewed no lease for ${Math.round(silentMs / 1000)} s and ${held}`;
    const moved = await this.lost.settle(row, why, 'reconciler');
    if (moved === null) return false;
    if (moved.job.state === 'queued' && !(await this.enqueue(moved.job, state)))
      this.logger.warn(`job ${row.id} is queued again in Postgres; the next pass adds it to BullMQ`);
    return true;
  }
}
