import { type ApiKeyRole, JobStore } from '@ct/db';
import type { ApiConfig, SubmitJobInput } from '@ct/shared';
import { type FreshDatabase, freshDatabase } from '@ct/test-support';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import request from 'supertest';
import { TrainingQueue } from '../src/queue/training-queue.js';
import { deleteQueueKeys, startApp, testConfig } from './app.js';

/** A running API on a fresh database and its own BullMQ prefix, with helpers for the jobs tests. */
export interface TestApi {
  readonly app: NestExpressApplication;
  readonly config: ApiConfig;
  readonly adminKey: string;
  readonly jobs: JobStore;
  readonly queue: TrainingQueue;
  http(): ReturnType<typeof request>;
  /** A new key of `team` with `role`, created through the API. */
  key(team: string, role: ApiKeyRole): Promise<string>;
  /** Submits a job as `key`; expects 201 and returns the job. */
  submit(key: string, body?: SubmitJobInput): Promise<{ id: string; [field: string]: unknown }>;
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
  options: { db?: FreshDatabase; config?: Partial<ApiConfig>; logger?: Logger } = {},
): Promise<TestApi> {
  const db = options.db ?? (await freshDatabase());
  const config = testConfig({ databaseUrl: db.url, ...options.config });
  const app = await startApp(config, undefined, options.logger);
  const adminKey = config.bootstrapAdmin?.key ?? '';
  const http = () => request(app.getHttpServer());
  return {
    app,
    config,
    adminKey,
    jobs: app.get(JobStore),
    queue: app.get(TrainingQueue),
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
    close: async () => {
      await app.close();
      await deleteQueueKeys(config.redisUrl, config.bullmqPrefix).catch(() => undefined);
      if (!options.db) await db.drop();
    },
  };
}
