import { setTimeout as sleep } from 'node:timers/promises';
import { type JobPayloads, QueueName } from '@ct/shared';
import { LogThrottle } from '@ct/shared/runtime';
import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import { WORKER_NAME, type WorkerConfig } from '../config/worker-config.js';
import type { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { runInJobContext } from '../observability/job-log-context.js';
import type { LeftoverSweep } from '../process/leftover-sweep.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { LockWatch } from './lock-watch.js';
import type { RunTrainingJob, TrainingJobResult } from './run-training-job.service.js';
import type { RunningJobs } from './running-jobs.js';
import { TrainingJobError } from './training-job-error.js';

/** The BullMQ job names of ct's jobs, each a job row's id: what the worker runs. */
type RunName = 'train' | 'score' | 'monitor';

/** A queue this worker consumes, and the job names it takes from it. */
export interface ConsumedQueue {
  queue: QueueName;
  names: readonly RunName[];
}

/** Training, and apart from it (so that short jobs never wait behind long ones) scoring and monitoring. */
export const CONSUMED_QUEUES = {
  training: { queue: QueueName.Training, names: ['train'] },
  scoring: { queue: QueueName.Scoring, names: ['score', 'monitor'] },
} as const satisfies Record<string, ConsumedQueue>;

const payloadSchema = z.object({
  jobId: z.uuid(),
  team: z.string().min(1),
}) satisfies z.ZodType<JobPayloads[RunName]>;

const RETRY_BEFORE_START_MS = 5_000;

/**
 * The only module that imports BullMQ: consumes one queue (an instance per {@link CONSUMED_QUEUES} entry)
 * once Postgres is reachable, turns each BullMQ job into a command for {@link RunTrainingJob}, which runs a
 * job of any kind, and maps its failures to BullMQ's retry or not. On shutdown it stops taking jobs, lets
 * running ones finish for WORKER_SHUTDOWN_GRACE_MS, then stops their processes and queues them again,
 * without using up an attempt, for another worker.
 */
export class JobsProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private worker: Worker<JobPayloads[RunName], TrainingJobResult> | null = null;
  private stopping = false;
  private readonly errorLog = new LogThrottle();
  private readonly locks: LockWatch;
  /** The jobs this queue's worker runs now: those its shutdown stops. */
  private readonly active = new Set<string>();

  constructor(
    private readonly consumed: ConsumedQueue,
    private readonly config: WorkerConfig,
    private readonly redis: RedisConnection,
    private readonly db: Database,
    private readonly running: RunningJobs,
    private readonly runJob: RunTrainingJob,
    private readonly leftovers: LeftoverSweep,
  ) {
    this.logger = new Logger(`JobsProcessor ${consumed.queue}`);
    this.locks = new LockWatch(config.lockDurationMs);
  }

  onApplicationBootstrap(): void {
    this.db.ready().then(
      () => void this.start(),
      () => undefined, // only when stopping before Postgres came up
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.locks.close();
    const worker = this.worker;
    if (worker === null) return;
    const closed = worker.close();
    const grace = new AbortController();
    const inTime = await Promise.race([
      closed.then(() => true),
      sleep(this.config.shutdownGraceMs, false, { signal: grace.signal }).catch(() => true),
    ]);
    grace.abort();
    if (!inTime) {
      const stopped = [...this.active].filter((id) => this.running.stop(id, 'shutdown'));
      this.logger.warn(`shutdown grace period over: stopping jobs ${stopped.join(', ')} to retry them later`);
    }
    await closed;
    this.logger.log(`stopped consuming ${this.consumed.queue}`);
  }

  private async start(): Promise<void> {
    if (this.stopping) return;
    await this.leftovers.done();
    if (this.stopping) return;
    const { bullmqPrefix: prefix, concurrency, lockDurationMs } = this.config;
    const { queue } = this.consumed;
    this.worker = new Worker(queue, (job, token, signal) => this.process(job, token, signal), {
      connection: this.redis.redis,
      prefix,
      name: WORKER_NAME,
      concurrency,
      lockDuration: lockDurationMs,
      stalledInterval: lockDurationMs,
      maxStalledCount: 1,
    });
    this.worker.on('error', (error) => this.reportError(error));
    this.worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) this.locks.lost(id, 'BullMQ could not renew its lock');
    });
    this.worker.on('locksRenewed', ({ jobIds }: { jobIds: string[] }) => this.locks.renewed(jobIds));
    this.worker.on('failed', (job, error) => {
      const id = job?.id;
      if (id)
        runInJobContext(id, () =>
          new Logger(`job ${id}`).warn(`BullMQ attempt ${job.attemptsMade} failed: ${error.message}`),
        );
    });
    this.logger.log(`consuming ${queue} (prefix ${prefix}, concurrency ${concurrency})`);
  }

  private async process(
    job: Job<unknown, TrainingJobResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<TrainingJobResult> {
    const payload = payloadSchema.safeParse(job.data);
    if (!(this.consumed.names as readonly string[]).includes(job.name) || !payload.success)
      throw new UnrecoverableError(
        `not a job of ${this.consumed.queue}: ${job.name} ${JSON.stringify(job.data).slice(0, 200)}`,
      );
    const id = job.id ?? payload.data.jobId;
    const watched = this.locks.watch(id, signal);
    this.active.add(payload.data.jobId);
    try {
      // Every line logged while the job runs, in whichever service, carries its id.
      return await runInJobContext(payload.data.jobId, () =>
        this.runJob.execute({
          ...payload.data,
          reportProgress: (progress) => job.updateProgress(progress),
          onControl: (control) => watched.attach(control),
        }),
      );
    } catch (error) {
      if (watched.lost) throw error; // BullMQ's lock is gone: it would refuse anything this worker says
      if (!(error instanceof TrainingJobError)) {
        // Postgres or Redis failed before an attempt started: try again soon, using no attempt.
        this.reportError(error as Error);
        return this.delay(job, token, RETRY_BEFORE_START_MS, error);
      }
      if (error.next === 'fail') throw new UnrecoverableError(error.message);
      // Postgres counts attempts; BullMQ's own attempts stay untouched (moveToDelayed skips them).
      return this.delay(job, token, error.delayMs, error);
    } finally {
      this.active.delete(payload.data.jobId);
      watched.done();
    }
  }

  private async delay(job: Job, token: string | undefined, delayMs: number, error: unknown): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError(describeError(error));
  }

  private reportError(error: Error): void {
    if (this.errorLog.allow()) this.logger.warn(`BullMQ: ${describeError(error)}`);
  }
}
