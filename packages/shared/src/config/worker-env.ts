import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { auditConfigFrom, checkAuditEnv } from './audit-env.js';
import { commonConfigFrom, commonEnv } from './common-env.js';
import { integerInRange, path, urlWithScheme } from './env-values.js';

/** Thread settings for numeric libraries, passed from the worker's environment to pipeline processes. */
const THREAD_VARIABLE = /^(OMP_NUM_THREADS|OPENBLAS_[A-Z0-9_]+)$/;

/** Environment variables read by the worker, with their local defaults applied. */
export const workerEnvSchema = z
  .object({
    ...commonEnv,
    WORKER_CONCURRENCY: integerInRange(1, 64),
    WORKER_LOCK_DURATION_MS: integerInRange(5_000, 600_000),
    WORKER_KILL_GRACE_MS: integerInRange(100, 600_000),
    WORKER_SHUTDOWN_GRACE_MS: integerInRange(0, 3_600_000),
    /** Where the worker serves Prometheus `/metrics`; port 0 turns the endpoint off. */
    WORKER_METRICS_HOST: z.string().min(1, { error: 'must not be empty' }),
    WORKER_METRICS_PORT: integerInRange(0, 65_535),
    /** How often the worker refreshes its record in the live-worker registry (it expires after 3 intervals). */
    WORKER_HEARTBEAT_MS: integerInRange(100, 60_000),
    WORKER_WORK_DIR: path().optional(),
    /** Models that score and monitor jobs downloaded, by registered model and version; kept between jobs. */
    WORKER_MODEL_CACHE_DIR: path().optional(),
    /** Uploaded project versions the worker fetched, by hash; kept between jobs. */
    WORKER_PROJECT_CACHE_DIR: path().optional(),
    /** 1: pipelines are forked from a warm pool of preloaded Python; 0: every run starts a fresh interpreter. */
    WORKER_PYTHON_POOL: integerInRange(0, 1),
    /** How long a job waits for MLflow or Postgres to come back, without using attempts, before it fails. */
    DEPENDENCY_OUTAGE_BUDGET_MS: integerInRange(0, 7 * 24 * 3_600_000),
    CT_PIPELINE_PYTHON: path(),
    /** The uv that builds MLflow Projects' own environments; by default the uv on the worker's PATH. */
    CT_UV: path().optional(),
    /** Registered project directories (custom training functions, MLflow Projects); passed to pipelines. */
    CT_PROJECTS_ROOT: path(),
    /** The IRIS instance that `iris` data sources read (iris://user:password@host:port/NAMESPACE). */
    CT_IRIS_URL: urlWithScheme(['iris:'], 'iris://reader:secret@iris:1972/USER').optional(),
    /** The git commit of the deployment, recorded on model versions as their code version. */
    CT_CODE_VERSION: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'must be 1-100 characters of letters, digits, ., _ and -' })
      .optional(),
  })
  // Other variables are kept, to pick the thread settings of numeric libraries (THREAD_VARIABLE) from them.
  .catchall(z.string())
  .check(z.superRefine(checkAuditEnv))
  .transform((env) => ({
    ...commonConfigFrom(env),
    concurrency: env.WORKER_CONCURRENCY,
    jobLogMaxBytes: env.JOB_LOG_MAX_BYTES,
    bullmqPrefix: env.BULLMQ_PREFIX,
    audit: auditConfigFrom(env),
    lockDurationMs: env.WORKER_LOCK_DURATION_MS,
    /** A job does not start while its team has this many running: it waits, without using an attempt. */
    teamMaxRunningJobs: env.TEAM_MAX_RUNNING_JOBS,
    /** The quota a degradation trigger's firing is checked against, as the API checks its own firings. */
    teamQuota: { maxRunning: env.TEAM_MAX_RUNNING_JOBS, maxQueued: env.TEAM_MAX_QUEUED_JOBS },
    attemptLeaseMs: env.ATTEMPT_LEASE_MS,
    outageBudgetMs: env.DEPENDENCY_OUTAGE_BUDGET_MS,
    killGraceMs: env.WORKER_KILL_GRACE_MS,
    shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
    /** The `/metrics` endpoint; null when WORKER_METRICS_PORT is 0. */
    metrics:
      env.WORKER_METRICS_PORT === 0 ? null : { host: env.WORKER_METRICS_HOST, port: env.WORKER_METRICS_PORT },
    heartbeatMs: env.WORKER_HEARTBEAT_MS,
    workDir: workDirOf(env),
    /** Beside the work root by default: it outlives the runs whose dirs go there. */
    modelCacheDir: env.WORKER_MODEL_CACHE_DIR ?? join(dirname(workDirOf(env)), 'model-cache'),
    projectCacheDir: env.WORKER_PROJECT_CACHE_DIR ?? join(dirname(workDirOf(env)), 'project-cache'),
    pipelinePython: env.CT_PIPELINE_PYTHON,
    uv: env.CT_UV ?? null,
    pythonPool: env.WORKER_PYTHON_POOL === 1,
    dataRoot: env.CT_DATA_ROOT,
    projectsRoot: env.CT_PROJECTS_ROOT,
    irisUrl: env.CT_IRIS_URL ?? null,
    codeVersion: env.CT_CODE_VERSION ?? null,
    sourceDatabaseUrl: env.CT_SOURCE_DATABASE_URL ?? null,
    sourceStatementTimeoutMs: env.CT_SOURCE_STATEMENT_TIMEOUT_MS,
    threadEnv: Object.fromEntries(
      Object.entries(env).filter(
        (entry): entry is [string, string] => THREAD_VARIABLE.test(entry[0]) && typeof entry[1] === 'string',
      ),
    ),
  }));

function workDirOf(env: { WORKER_WORK_DIR?: string | undefined }): string {
  return env.WORKER_WORK_DIR ?? join(tmpdir(), 'ct-worker');
}

/** The worker's configuration, as `workerEnvSchema` parses it from the environment. */
export type WorkerConfig = z.output<typeof workerEnvSchema>;
