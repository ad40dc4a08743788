import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource, EventStore, type JobEntity, JobLifecycle, JobStore, LogStore } from '@ct/db';
import {
  isFinished,
  JOB_CANCEL_CHANNEL,
  QueueName,
  type SubmitJobInput,
  submitJobSchema,
  trainingJobOptions,
} from '@ct/shared';
import { loadConfig, type WorkerConfig, workerEnvSchema } from '@ct/shared/runtime';
import { type FreshDatabase, freshDatabase, waitFor } from '@ct/test-support';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { MlflowClient } from '../../src/mlflow/mlflow-client.js';
import { WorkerModule } from '../../src/worker.module.js';
import { PIPELINE_PYTHON } from './processes.js';

export const TEAM = 'team-e2e';

/**
 * One test file's world: a fresh migrated database, a BullMQ prefix of its own on the real Redis, the real
 * MLflow, and the worker module running in-process against them.
 */
export class TrainingFixture {
  readonly jobs: JobStore;
  readonly lifecycle: JobLifecycle;
  readonly events: EventStore;
  readonly logs: LogStore;
  readonly mlflow: MlflowClient;
  readonly queue: Queue;
  /** Score and monitor jobs' queue. */
  readonly scoringQueue: Queue;
  private app: INestApplicationContext | null = null;

  private constructor(
    readonly config: WorkerConfig,
    private readonly db: FreshDatabase,
    readonly dataSource: DataSource,
    private readonly redis: Redis,
    private readonly workDir: string,
  ) {
    this.jobs = new JobStore(dataSource);
    this.lifecycle = new JobLifecycle(dataSource);
    this.events = new EventStore(dataSource);
    this.logs = new LogStore(dataSource, config.jobLogMaxBytes);
    this.mlflow = new MlflowClient(config);
    this.queue = new Queue(QueueName.Training, { connection: redis, prefix: config.bullmqPrefix });
    this.scoringQueue = new Queue(QueueName.Scoring, { connection: redis, prefix: config.bullmqPrefix });
  }

  static async create(env: Record<string, string> = {}): Promise<TrainingFixture> {
    const db = await freshDatabase();
    const dataSource = await createDataSource(db.url, { poolSize: 4 }).initialize();
    await dataSource.runMigrations();
    const workDir = await mkdtemp(join(tmpdir(), 'ct-worker-test-'));
    const config = loadConfig(workerEnvSchema, {
      ...process.env,
      DATABASE_URL: db.url,
      BULLMQ_PREFIX: `ct-test-${randomUUID().slice(0, 8)}`,
      CT_PIPELINE_PYTHON: PIPELINE_PYTHON,
      WORKER_WORK_DIR: workDir,
      CT_DATA_ROOT: workDir,
      WORKER_CONCURRENCY: '2',
      WORKER_KILL_GRACE_MS: '1000',
      // Short, so that a test's lost attempt is taken over in seconds.
      ATTEMPT_LEASE_MS: '3000',
      ...env,
    });
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    return new TrainingFixture(config, db, dataSource, redis, workDir);
  }

  async startWorker(overrides: Partial<WorkerConfig> = {}): Promise<INestApplicationContext> {
    const config = { ...this.config, ...overrides };
    this.app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    await this.app.init();
    return this.app;
  }

  async stopWorker(): Promise<void> {
    await this.app?.close();
    this.app = null;
  }

  /** Stores the job, then adds it to the queue, as the API does. */
  async submit(input: SubmitJobInput): Promise<JobEntity> {
    const { job } = await this.jobs.create(TEAM, submitJobSchema.parse(input));
    await this.queue.add('train', { jobId: job.id, team: TEAM }, trainingJobOptions(job));
    return job;
  }

  async waitForState(jobId: string, test: (job: JobEntity) => boolean, what: string, timeoutMs = 60_000) {
    return waitFor(
      what,
      async () => {
        const job = await this.jobs.get(jobId);
        return job !== null && test(job) ? job : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  waitUntilFinished(jobId: string, timeoutMs = 60_000): Promise<JobEntity> {
    return this.waitForState(jobId, (job) => isFinished(job.state), `job ${jobId} to finish`, timeoutMs);
  }

  /** The pid of the job's pipeline process, from the worker's line in the job log. */
  async pipelinePid(jobId: string): Promise<number> {
    return waitFor(`the pipeline pid of job ${jobId}`, async () => {
      const match = /pipeline started as process (\d+)/.exec((await this.logs.read(jobId)).text);
      return match ? Number(match[1]) : undefined;
    });
  }

  async publishCancel(jobId: string): Promise<void> {
    await this.redis.publish(JOB_CANCEL_CHANNEL, jobId);
  }

  async close(): Promise<void> {
    await this.stopWorker();
    for (const queue of [this.queue, this.scoringQueue]) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
    this.redis.disconnect();
    await this.dataSource.destroy();
    await this.db.drop();
    await rm(this.workDir, { recursive: true, force: true });
  }
}

/** A training spec, with changes. */
export function spec(change: Record<string, unknown> = {}): SubmitJobInput['spec'] {
  return {
    pipeline: 'diabetes-lgbm',
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 50, random_state: 7 } },
    ...change,
  };
}

/** A job that trains for minutes: it is stopped long before. */
export const LONG_SPEC = spec({
  pipeline: 'synthetic-forest',
  data: { source: 'synthetic', rows: 200_000, features: 20, seed: 1 },
  model: { estimator: 'sklearn.ensemble.RandomForestRegressor', params: { n_estimators: 2000 } },
});
