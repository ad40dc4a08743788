// The platform a benchmark runs jobs on: the built API and one worker on a fresh database, their own BullMQ
// prefix and a temp data root, against Redis, Postgres and MLflow from REDIS_URL, DATABASE_URL and
// MLFLOW_TRACKING_URI (or the local defaults), with what the benchmark needs to submit and follow jobs.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchJob, workerLines } from './job-watch.mjs';
import * as m from './measure.mjs';

const root = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
export const BUILT = {
  api: root('apps/api/dist/main.js'),
  worker: root('apps/worker/dist/main.js'),
  testSupport: root('packages/test-support/dist/index.js'),
  python: root('pipeline/.venv/bin/python'),
};
const JOB_TIMEOUT_MS = 30 * 60_000;

async function tempDir(cleanups, name) {
  const dir = await mkdtemp(join(tmpdir(), `ct-bench-${name}-`));
  cleanups.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment every ct process of a benchmark's platform shares: its services, BullMQ prefix and admin key. */
export function platformEnv({ redisUrl, databaseUrl, mlflowUrl, prefix, port, adminKey, team }) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'log',
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    MLFLOW_TRACKING_URI: mlflowUrl,
    BULLMQ_PREFIX: prefix,
    API_PORT: String(port),
    CT_BOOTSTRAP_ADMIN_KEY: adminKey,
    CT_BOOTSTRAP_TEAM: team,
  };
}

/**
 * Starts the API and a worker for `team` with their files in a temp dir `ct-bench-<name>-*` (`dir` of the
 * answer); every step is undone by `cleanups` (processes, database, BullMQ keys, the temp dir). `dataRoot` is the workers' CT_DATA_ROOT. Without `worker`, only the
 * API starts (jobs wait in their queues); `env` adds to or overrides the processes' environment.
 */
export async function startPlatform({
  cleanups,
  name,
  team,
  worker: withWorker = true,
  env: extraEnv = {},
  cpuProf,
}) {
  const dir = await tempDir(cleanups, name);
  const { LOCAL_DEFAULTS } = await import('../../packages/shared/dist/runtime.js');
  const { freePort, freshDatabase, startChild, waitFor } = await import(BUILT.testSupport);
  const { Redis } = createRequire(root('apps/api/package.json'))('ioredis');
  const redisUrl = process.env.REDIS_URL ?? LOCAL_DEFAULTS.REDIS_URL;
  const mlflowUrl = (process.env.MLFLOW_TRACKING_URI ?? LOCAL_DEFAULTS.MLFLOW_TRACKING_URI).replace(
    /\/+$/,
    '',
  );

  const db = await freshDatabase();
  cleanups.add('database', async () => {
    // An autovacuum worker busy with a benchmark's rows holds the database, and a role that is not a
    // superuser may not end it: wait for it.
    for (let tries = 1; ; tries++) {
      try {
        return await db.drop();
      } catch (error) {
        if (tries >= 30 || !/pg_signal_backend/.test(String(error?.message))) throw error;
        await m.sleep(1000);
      }
    }
  });
  const prefix = `ct-bench-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  cleanups.add('Redis connection', () => redis.quit());
  cleanups.add('BullMQ keys', async () => {
    let [removed, cursor] = [0, '0'];
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
    m.log(`removed ${removed} BullMQ keys`);
  });

  const dataRoot = join(dir, 'data');
  await mkdir(dataRoot, { recursive: true });
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const adminKey = `ct_bench_${randomBytes(24).toString('base64url')}`;
  const env = {
    ...platformEnv({ redisUrl, databaseUrl: db.url, mlflowUrl, prefix, port, adminKey, team }),
    CT_DATA_ROOT: dataRoot,
    CT_PIPELINE_PYTHON: BUILT.python,
    WORKER_WORK_DIR: join(dir, 'work'),
    WORKER_MODEL_CACHE_DIR: join(dir, 'model-cache'),
    WORKER_METRICS_PORT: '0',
    AUDIT_FILE: join(dir, 'audit', 'audit.jsonl'),
    ...extraEnv,
  };
  // --cpu-prof=<dir>: the API writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const apiEnv = cpuProf ? { ...env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${cpuProf}` } : env;
  const api = startChild(process.execPath, [BUILT.api], apiEnv);
  cleanups.add('API', () => api.stop('SIGTERM', 15_000));
  /** Another worker on the same platform (same queues, database and settings, plus `moreEnv`). */
  const startWorker = (moreEnv = {}) => {
    const started = startChild(process.execPath, [BUILT.worker], { ...env, ...moreEnv });
    cleanups.add('worker', () => started.stop('SIGTERM', 30_000));
    return started;
  };
  const worker = withWorker ? startWorker() : null;
  await api.waitForOutput(`listening on ${apiUrl}`, 60_000);
  await worker?.waitForOutput('worker ready', 60_000);

  const call = m.caller({ authorization: `Bearer ${adminKey}` });
  /** A request whose answer must have status `expected`: its JSON body. */
  const send = async (method, path, body, expected) => {
    const { status, text } = await call(method, `${apiUrl}${path}`, body);
    if (status !== expected) throw new Error(`${method} ${path} answered ${status}: ${text.slice(0, 500)}`);
    return JSON.parse(text);
  };
  /** The job once finished; an error unless it succeeded. */
  const finishedJob = async (id) => {
    const job = await waitFor(
      `job ${id} to finish`,
      async () => {
        const job = await send('GET', `/v1/jobs/${id}`, undefined, 200);
        return job.finishedAt ? job : undefined;
      },
      { timeoutMs: JOB_TIMEOUT_MS, intervalMs: 100 },
    );
    if (job.state !== 'succeeded')
      throw new Error(
        `job ${id} (${job.kind}) ${job.state}: ${job.failureReason} ${job.failureMessage ?? ''}`,
      );
    return job;
  };
  return {
    db,
    api,
    /** The worker started with the platform (null without one), and how to start more. */
    worker,
    startWorker,
    apiUrl,
    prefix,
    redis,
    /** An HTTP call with the admin key (measure.mjs `caller`). */
    call,
    /** The platform's folder (its data root, work dirs, audit file), and the data root. */
    dir,
    dataRoot,
    mlflowUrl,
    redisUrl,
    send,
    finishedJob,
    /** A finished job's stored events (its SSE stream replays them, then ends), as {type, at, ...}. */
    jobEvents: async (id) => {
      const { status, text } = await call('GET', `${apiUrl}/v1/jobs/${id}/events`);
      if (status !== 200)
        throw new Error(`GET /v1/jobs/${id}/events answered ${status}: ${text.slice(0, 300)}`);
      return text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => JSON.parse(line.slice('data:'.length)));
    },
    /** A queued job waited for while the worker's and its child's memory are sampled; the worker's lines of it. */
    watched: async (queued) => {
      const watch = watchJob(worker, queued.id);
      const job = await finishedJob(queued.id).catch(async (error) => {
        await watch.stop();
        throw error;
      });
      const memory = await watch.stop();
      return { job, memory, lines: workerLines(worker.output(), queued.id) };
    },
  };
}
