import { type ApiKeyRole, type JobEntity, JobLifecycle, type JobPatch, JobStore } from '@ct/db';
import type { SubmitJobInput } from '@ct/shared';
import type { ApiConfig } from '@ct/shared/runtime';
import { type FreshDatabase, freshDatabase } from '@ct/test-support';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { TestingModuleBuilder } from '@nestjs/testing';
import type { Logger } from 'pino';
import request from 'supertest';
import { JobQueues } from '../src/queues/job-queues.js';
import { deleteQueueKeys, startApp, testConfig } from './app.js';

/** A running API on a fresh database and its own BullMQ prefix, with helpers for the jobs tests. */
export interface TestApi {
  readonly app: NestExpressApplication;
  readonly config: ApiConfig;
  readonly adminKey: string;
  readonly jobs: JobStore;
  readonly lifecycle: JobLifecycle;
  readonly queue: JobQueues;
  http(): ReturnType<typeof request>;
  /** A new key of `team` with `role`, created through the API. */
  key(team: string, role: ApiKeyRole): Promise<string>;
  /** Submits a job as `key`; expects 201 and returns the job. */
  submit(key: string, body?: SubmitJobInput): Promise<{ id: string; [field: string]: unknown }>;
  /** Starts the job's next attempt, as a worker named `worker` does (queued → running). */
  start(id: string, worker?: string): Promise<JobEntity>;
  /** Ends the job (running or queued) in `to`, as a worker does, with its latest attempt. */
  finish(id: string, to: 'succeeded' | 'failed' | 'cancelled', patch?: JobPatch): Promise<JobEntity>;
  close(): Promise<void>;
}

export function submission(
  overrides: Partial<SubmitJobInput> = {},
  pipeline = 'diabetes-ridge',
): SubmitJobInput {
  return {
    spec: {
      pipeline,
      task: 'regression',
      data: { source: 'sklearn', name: 'diabetes' },
      model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 0.5 } },
    },
    ...overrides,
  };
}

export function bearer(key: string): { Authorization: string } {
  return { Authorization: `Bearer ${key}` };
}

/**
 * Starts an API. With `db`, the caller owns the database (several APIs may share it); otherwise a fresh
 * one is made and dropped by `close()`.
 */
export async function startTestApi(
  options: {
    db?: FreshDatabase;
    config?: Partial<ApiConfig>;
    logger?: Logger;
    customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  } = {},
): Promise<TestApi> {
  const db = options.db ?? (await freshDatabase());
  const config = testConfig({ databaseUrl: db.url, ...options.config });
  const app = await startApp(config, options.customize, options.logger);
  const adminKey = config.bootstrapAdmin?.key ?? '';
  const http = () => request(app.getHttpServer());
  const lifecycle = app.get(JobLifecycle);
  const moved = <T>(what: string, result: T | null): T => {
    if (result === null) throw new Error(`could not ${what}: the job is not in a state that allows it`);
    return result;
  };
  return {
    app,
    config,
    adminKey,
    jobs: app.get(JobStore),
    lifecycle,
    queue: app.get(JobQueues),
    http,
    key: async (team, role) => {
      const res = await http()
        .post('/v1/keys')
        .set(bearer(adminKey))
        .send({ team, role, name: `${role} of ${team}` });
      if (res.status !== 201) throw new Error(`creating a key answered ${res.status}: ${res.text}`);
      return res.body.key as string;
    },
    submit: async (key, body = submission()) => {
      const res = await http().post('/v1/jobs').set(bearer(key)).send(body);
      if (res.status !== 201) throw new Error(`submitting answered ${res.status}: ${res.text}`);
      return res.body;
    },
    start: async (id, worker = 'test-worker') =>
      moved(
        'start the job',
        await lifecycle.move(id, {
          to: 'running',
          from: ['queued'],
          startAttempt: { worker },
          patch: { startedAt: new Date() },
        }),
      ).job,
    finish: async (id, to, patch = {}) => {
      const job = moved('read the job', await app.get(JobStore).get(id));
      const result = await lifecycle.move(id, {
        to,
        from: ['running', 'queued'],
        patch: { finishedAt: new Date(), ...patch },
        endAttempt:
          job.state === 'running'
            ? { outcome: to, failureReason: patch.failureReason ?? null, message: null }
            : undefined,
      });
      return moved(`end the job as ${to}`, result).job;
    },
    close: async () => {
      await app.close();
      await deleteQueueKeys(config.redisUrl, config.bullmqPrefix).catch(() => undefined);
      if (!options.db) await db.drop();
    },
  };
}
