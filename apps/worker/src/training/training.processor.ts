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
import { RedisConnection } from '../redis/redis-connection.js';
import { RunTrainingJob, type TrainingJobResult } from './run-training-job.service.js';
import { RunningJobs } from './running-jobs.js';
import { TrainingJobError } from './training-job-error.js';

const trainPayloadSchema = z.object({
  jobId: z.uuid(),
  team: z.string().min(1),
}) satisfies z.ZodType<JobPayloads['train']>;

const ERROR_LOG_EVERY_MS = 10_000;

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
  ) {}

  onApplicationBootstrap(): void {
    this.db.ready().then(
      () => this.start(),
      () => undefined, // only when stopping before Postgres came up
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
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

  private start(): void {
    if (this.stopping) return;
    const { bullmqPrefix: prefix, concurrency, lockDurationMs } = this.config;
    this.worker = new Worker(QueueName.Training, (job, token) => this.process(job, token), {
      connection: this.redis.redis,
      prefix,
      name: WORKER_NAME,
      concurrency,
      lockDuration: lockDurationMs,
      stalledInterval: lockDurationMs,
      maxStalledCount: 1,
    });
    this.worker.on('error', (error) => this.reportError(error));
    this.worker.on('failed', (job, error) => {
      const id = job?.id;
      if (id)
        runInJobContext(id, () =>
          new Logger(`job ${id}`).warn(`BullMQ attempt ${job.attemptsMade} failed: ${error.message}`),
        );
    });
    this.logger.log(`consuming ${QueueName.Training} (prefix ${prefix}, concurrency ${concurrency})`);
  }

  private async process(job: Job<unknown, TrainingJobResult>, token?: string): Promise<TrainingJobResult> {
    const payload = trainPayloadSchema.safeParse(job.data);
    if (job.name !== 'train' || !payload.success)
      throw new UnrecoverableError(
        `not a training job: ${job.name} ${JSON.stringify(job.data).slice(0, 200)}`,
      );
    try {
      // Every line logged while the job runs, in whichever service, carries its id.
      return await runInJobContext(payload.data.jobId, () =>
        this.runTraining.execute({
          ...payload.data,
          canRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1),
          reportProgress: (progress) => job.updateProgress(progress),
        }),
      );
    } catch (error) {
      if (!(error instanceof TrainingJobError) || error.next === 'retry') throw error;
      if (error.next === 'fail') throw new UnrecoverableError(error.message);
      // Back to the queue at once, attemptsMade unchanged (BullMQ's moveToDelayed skips the attempt).
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError(error.message);
    }
  }

  private reportError(error: Error): void {
    if (Date.now() - this.lastErrorLog < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLog = Date.now();
    this.logger.warn(`BullMQ: ${describeError(error)}`);
  }
}
