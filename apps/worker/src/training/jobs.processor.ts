import { setTimeout as sleep } from 'node:timers/promises';
import { type JobPayloads, QueueName } from '@ct/shared';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import { WORKER_CONFIG, WORKER_NAME, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { runInJobContext } from '../observability/job-log-context.js';
import { sweepWorkDirs } from '../process/work-dir-sweep.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { LockWatch } from './lock-watch.js';
import { RunTrainingJob, type TrainingJobResult } from './run-training-job.service.js';
import { RunningJobs } from './running-jobs.js';
import { TrainingJobError } from './training-job-error.js';

const trainPayloadSchema = z.object({
  jobId: z.uuid(),
  team: z.string().min(1),
}) satisfies z.ZodType<JobPayloads['train']>;

const ERROR_LOG_EVERY_MS = 10_000;
const RETRY_BEFORE_START_MS = 5_000;

/**
 * The only module that imports BullMQ: consumes the training queue once Postgres is reachable, turns each
 * BullMQ job into a command for {@link RunTrainingJob}, and maps its failures to BullMQ's retry or not.
 * On shutdown it stops taking jobs, lets running ones finish for WORKER_SHUTDOWN_GRACE_MS, then stops
 * their processes and queues them again, without using up an attempt, for another worker.
 */
@Injectable()
export class TrainingProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TrainingProcessor.name);
  private worker: Worker<JobPayloads['train'], TrainingJobResult> | null = null;
  private stopping = false;
  private lastErrorLog = 0;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly redis: RedisConnection,
    private readonly db: Database,
    private readonly running: RunningJobs,
    private readonly runTraining: RunTrainingJob,
  ) {
    this.locks = new LockWatch(config.lockDurationMs);
  }

  private readonly locks: LockWatch;

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
      const stopped = this.running.stopAll('shutdown');
      this.logger.warn(`shutdown grace period over: stopping jobs ${stopped.join(', ')} to retry them later`);
    }
    await closed;
    this.logger.log(`stopped consuming ${QueueName.Training}`);
  }

  private async start(): Promise<void> {
    if (this.stopping) return;
    await this.sweepLeftovers();
    if (this.stopping) return;
    const { bullmqPrefix: prefix, concurrency, lockDurationMs } = this.config;
    this.worker = new Worker(QueueName.Training, (job, token, signal) => this.process(job, token, signal), {
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
    this.logger.log(`consuming ${QueueName.Training} (prefix ${prefix}, concurrency ${concurrency})`);
  }

  private async process(
    job: Job<unknown, TrainingJobResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<TrainingJobResult> {
    const payload = trainPayloadSchema.safeParse(job.data);
    if (job.name !== 'train' || !payload.success)
      throw new UnrecoverableError(
        `not a training job: ${job.name} ${JSON.stringify(job.data).slice(0, 200)}`,
      );
    const id = job.id ?? payload.data.jobId;
    const watched = this.locks.watch(id, signal);
    try {
      // Every line logged while the job runs, in whichever service, carries its id.
      return await runInJobContext(payload.data.jobId, () =>
        this.runTraining.execute({
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
      watched.done();
    }
  }

  private async delay(job: Job, token: string | undefined, delayMs: number, error: unknown): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError(describeError(error));
  }

  /** Kills what a worker of this host left running when it died, and removes its work dirs. */
  private async sweepLeftovers(): Promise<void> {
    const swept = await sweepWorkDirs(this.config.workDir, (message) => this.logger.warn(message));
    if (swept.removed.length > 0)
      this.logger.warn(
        `cleaned up after dead workers: ${swept.removed.length} work dirs removed, ${swept.killed.length} pipeline process groups killed`,
      );
  }

  private reportError(error: Error): void {
    if (Date.now() - this.lastErrorLog < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLog = Date.now();
    this.logger.warn(`BullMQ: ${describeError(error)}`);
  }
}
