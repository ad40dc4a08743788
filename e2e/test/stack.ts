import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job, SubmitJobInput } from '@ct/shared';
import { loadConfig, workerEnvSchema } from '@ct/shared/runtime';
import {
  type FreshDatabase,
  freePort,
  freshDatabase,
  type RunningChild,
  startChild,
  waitFor,
} from '@ct/test-support';

const API_MAIN = fileURLToPath(new URL('../../apps/api/dist/main.js', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../../apps/worker/dist/main.js', import.meta.url));
export const PIPELINE_PYTHON = fileURLToPath(new URL('../../pipeline/.venv/bin/python', import.meta.url));

/** The built api and worker processes on a fresh database and their own BullMQ prefix. */
export interface Stack {
  readonly apiUrl: string;
  readonly adminKey: string;
  /** The MLflow tracking server the api and workers use. */
  readonly mlflowUri: string;
  readonly env: NodeJS.ProcessEnv;
  readonly workers: RunningChild[];
  readonly api: RunningChild;
  startWorker(extraEnv?: NodeJS.ProcessEnv): Promise<RunningChild>;
  /** Another API process on the same database, Redis and BullMQ prefix, on its own port. */
  startApi(extraEnv?: NodeJS.ProcessEnv): Promise<{ child: RunningChild; url: string }>;
  stop(): Promise<void>;
}

/** What a stack runs against; by default the local stack's services (REDIS_URL, DATABASE_URL, MLFLOW_TRACKING_URI). */
export interface StackOptions {
  mlflowUri?: string;
  /** A Redis of the test's own (fault tests stop or pause it). */
  redisUrl?: string;
  /** The Postgres server the stack's fresh database is made on (a private one for fault tests). */
  databaseServerUrl?: string;
  /** Workers started before startStack returns (default 1). */
  workers?: number;
  apiEnv?: NodeJS.ProcessEnv;
  workerEnv?: NodeJS.ProcessEnv;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db: FreshDatabase = await freshDatabase(options.databaseServerUrl);
  const base = loadConfig(workerEnvSchema, process.env);
  const port = await freePort();
  const adminKey = `ct_test_${randomBytes(24).toString('base64url')}`;
  // The audit trail's file transport: out of the checkout (its default is relative to the working folder).
  const auditDir = join(tmpdir(), `ct-e2e-audit-${randomUUID().slice(0, 8)}`);
  const mlflowUri = options.mlflowUri ?? base.mlflowTrackingUri;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CT_ENV: 'test',
    LOG_LEVEL: 'log',
    REDIS_URL: options.redisUrl ?? base.redisUrl,
    DATABASE_URL: db.url,
    MLFLOW_TRACKING_URI: mlflowUri,
    BULLMQ_PREFIX: `ct-e2e-${randomUUID().slice(0, 8)}`,
    API_PORT: String(port),
    CT_BOOTSTRAP_ADMIN_KEY: adminKey,
    CT_BOOTSTRAP_TEAM: 'platform',
    RECONCILE_INTERVAL_MS: '2000',
    CT_PIPELINE_PYTHON: PIPELINE_PYTHON,
    WORKER_LOCK_DURATION_MS: '5000',
    WORKER_KILL_GRACE_MS: '2000',
    WORKER_SHUTDOWN_GRACE_MS: '5000',
    // Off unless a test asks for it: several workers run at once and would compete for one port.
    WORKER_METRICS_PORT: '0',
    AUDIT_FILE: join(auditDir, 'audit.jsonl'),
  };
  const api = startChild(process.execPath, [API_MAIN], { ...env, ...options.apiEnv });
  await api.waitForOutput(`listening on http://127.0.0.1:${port}`, 60_000);
  const apis: RunningChild[] = [api];
  const startApi = async (extraEnv: NodeJS.ProcessEnv = {}) => {
    const apiPort = await freePort();
    const child = startChild(process.execPath, [API_MAIN], {
      ...env,
      ...options.apiEnv,
      ...extraEnv,
      API_PORT: String(apiPort),
    });
    apis.push(child);
    await child.waitForOutput(`listening on http://127.0.0.1:${apiPort}`, 60_000);
    return { child, url: `http://127.0.0.1:${apiPort}` };
  };
  const workers: RunningChild[] = [];
  const startWorker = async (extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningChild> => {
    const worker = startChild(process.execPath, [WORKER_MAIN], { ...env, ...options.workerEnv, ...extraEnv });
    workers.push(worker);
    await worker.waitForOutput('worker ready', 30_000);
    return worker;
  };
  await Promise.all(Array.from({ length: options.workers ?? 1 }, () => startWorker()));
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    adminKey,
    mlflowUri,
    env,
    workers,
    api,
    startWorker,
    startApi,
    stop: async () => {
      await Promise.all(workers.map((worker) => worker.stop('SIGTERM', 20_000)));
      await Promise.all(apis.map((child) => child.stop('SIGTERM')));
      await db.drop();
      await rm(auditDir, { recursive: true, force: true });
    },
  };
}

/** A tiny client for the parts of the API these tests use (of the first API, unless `apiUrl` is given). */
export function client(stack: Pick<Stack, 'apiUrl' | 'adminKey'>, key = stack.adminKey) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as unknown) : null,
      headers: response.headers,
    };
  };
  return {
    call,
    submit: async (submission: SubmitJobInput) => {
      const res = await call('POST', '/v1/jobs', submission);
      if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as Job;
    },
    get: async (id: string) => (await call('GET', `/v1/jobs/${id}`)).body as Job,
    cancel: (id: string) => call('POST', `/v1/jobs/${id}/cancel`),
    untilState: (id: string, states: Job['state'][], timeoutMs = 180_000) =>
      waitFor(
        `job ${id} to reach ${states.join(' or ')}`,
        async () => {
          const job = (await call('GET', `/v1/jobs/${id}`)).body as Job;
          return states.includes(job.state) ? job : undefined;
        },
        { timeoutMs, intervalMs: 250 },
      ),
  };
}

export const DIABETES_LGBM: SubmitJobInput['spec'] = {
  pipeline: 'diabetes-lgbm',
  task: 'regression',
  data: { source: 'sklearn', name: 'diabetes' },
  model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 50, learning_rate: 0.1 } },
};

/** Far more trees than finish within a test: for cancel and timeout (about 20 ms a tree on 200k rows). */
export const LONG_SYNTHETIC: SubmitJobInput['spec'] = {
  pipeline: 'long-synthetic',
  task: 'regression',
  data: { source: 'synthetic', rows: 200_000, features: 20, seed: 7 },
  model: {
    estimator: 'lightgbm.LGBMRegressor',
    params: { n_estimators: 100_000, num_leaves: 63, n_jobs: 1 },
  },
};

/** Long enough to be interrupted in training, short enough to run again (about 15 s on an idle machine). */
export const MEDIUM_SYNTHETIC: SubmitJobInput['spec'] = {
  ...LONG_SYNTHETIC,
  pipeline: 'medium-synthetic',
  model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 600, num_leaves: 63, n_jobs: 1 } },
};
