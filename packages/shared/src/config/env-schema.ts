import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { teamNameSchema } from '../auth/api-key.dto.js';
import { auditConfigFrom, auditEnv, checkAuditEnv } from './audit-env.js';
import { integerInRange, path, urlWithScheme } from './env-values.js';

/**
 * Connection defaults for a local single-machine run: the ports `scripts/stack.sh` starts Redis, Postgres
 * and MLflow on. They apply only outside production; with `CT_ENV=production` every connection variable
 * must be set explicitly.
 */
export const LOCAL_DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6390',
  DATABASE_URL: 'postgres://ct:ct@127.0.0.1:5440/ct',
  MLFLOW_TRACKING_URI: 'http://127.0.0.1:5050',
} as const;

/** Variables that have no default when `CT_ENV=production`. */
export const REQUIRED_IN_PRODUCTION = ['REDIS_URL', 'DATABASE_URL', 'MLFLOW_TRACKING_URI'] as const;

const logLevels = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

/** Thread settings for numeric libraries, passed from the worker's environment to pipeline processes. */
const THREAD_VARIABLE = /^(OMP_NUM_THREADS|OPENBLAS_[A-Z0-9_]+)$/;

const commonEnv = {
  ...auditEnv,
  CT_ENV: z.enum(['development', 'test', 'production'], {
    error: 'must be one of development, test, production',
  }),
  LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }),
  REDIS_URL: urlWithScheme(['redis:', 'rediss:'], LOCAL_DEFAULTS.REDIS_URL),
  DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:'], LOCAL_DEFAULTS.DATABASE_URL),
  MLFLOW_TRACKING_URI: urlWithScheme(['http:', 'https:'], LOCAL_DEFAULTS.MLFLOW_TRACKING_URI),
  /** Captured output kept per job; later output is dropped and the log marked truncated. */
  JOB_LOG_MAX_BYTES: integerInRange(1024, 1024 * 1024 * 1024),
  /** Namespace of BullMQ's Redis keys; api and worker must agree. Tests use their own. */
  BULLMQ_PREFIX: z.string().regex(/^[A-Za-z0-9{}_.:-]{1,50}$/, {
    error: 'must be 1-50 characters of letters, digits, {, }, _, ., : and -',
  }),
  /**
   * A running attempt's lease: its worker renews the attempt's heartbeat in Postgres and stops the child
   * when it could not for this long; an attempt whose heartbeat is older than this (plus the kill grace)
   * is gone, and the reconciler or another worker may end it.
   */
  ATTEMPT_LEASE_MS: integerInRange(3_000, 3_600_000),
  /**
   * The read-only database that `postgres` data sources query: the worker passes it to pipeline processes,
   * the API counts new rows on it for new-data triggers that poll.
   */
  CT_SOURCE_DATABASE_URL: urlWithScheme(
    ['postgres:', 'postgresql:'],
    'postgres://reader@db:5432/features',
  ).optional(),
  /** The time limit of a `postgres` (statement_timeout) or `iris` (query timeout) source query. */
  CT_SOURCE_STATEMENT_TIMEOUT_MS: integerInRange(100, 86_400_000),
  /** Where `csv` and `parquet` data sources live: the worker passes it to pipelines; the API polls csv files. */
  CT_DATA_ROOT: path(),
  /** Jobs a team may have running at once: workers hold back the next; the API counts it in the quota. */
  TEAM_MAX_RUNNING_JOBS: integerInRange(1, 100_000),
  /** Jobs a team may have queued beyond its running ones: the API refuses more; triggers are suppressed. */
  TEAM_MAX_QUEUED_JOBS: integerInRange(0, 10_000_000),
};

const BOOTSTRAP_KEY_MIN_LENGTH_IN_PRODUCTION = 32;

/** Environment variables read by the API, with their local defaults applied. */
export const apiEnvSchema = z
  .object({
    ...commonEnv,
    API_HOST: z.string().min(1, { error: 'must not be empty' }),
    API_PORT: integerInRange(1, 65_535),
    HEALTH_CHECK_TIMEOUT_MS: integerInRange(50, 60_000),
    API_BODY_LIMIT_BYTES: integerInRange(1024, 10 * 1024 * 1024),
    RECONCILE_INTERVAL_MS: integerInRange(1000, 3_600_000),
    PIPELINE_SCHEDULE_RESYNC_MS: integerInRange(1000, 86_400_000),
    CT_BOOTSTRAP_ADMIN_KEY: z
      .string()
      .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
      .optional(),
    CT_BOOTSTRAP_TEAM: teamNameSchema,
  })
  .check(
    z.superRefine((env, ctx) => {
      checkAuditEnv(env, ctx);
      const key = env.CT_BOOTSTRAP_ADMIN_KEY;
      if (
        env.CT_ENV === 'production' &&
        key !== undefined &&
        key.length < BOOTSTRAP_KEY_MIN_LENGTH_IN_PRODUCTION
      )
        ctx.addIssue({
          code: 'custom',
          path: ['CT_BOOTSTRAP_ADMIN_KEY'],
          message: `must be at least ${BOOTSTRAP_KEY_MIN_LENGTH_IN_PRODUCTION} characters when CT_ENV=production`,
        });
    }),
  )
  .transform((env) => ({
    env: env.CT_ENV,
    logLevel: env.LOG_LEVEL,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    mlflowTrackingUri: env.MLFLOW_TRACKING_URI.replace(/\/+$/, ''),
    http: { host: env.API_HOST, port: env.API_PORT, bodyLimitBytes: env.API_BODY_LIMIT_BYTES },
    healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
    reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
    attemptLeaseMs: env.ATTEMPT_LEASE_MS,
    /** Each team's jobs at once: this many running plus this many more queued; more are refused (429). */
    teamQuota: { maxRunning: env.TEAM_MAX_RUNNING_JOBS, maxQueued: env.TEAM_MAX_QUEUED_JOBS },
    /** How often the API makes BullMQ's job schedulers match the pipelines in Postgres (also at start-up). */
    scheduleResyncMs: env.PIPELINE_SCHEDULE_RESYNC_MS,
    /** Where new-data triggers with `pollSeconds` count new rows; null: such pipelines cannot be polled. */
    sourceDatabaseUrl: env.CT_SOURCE_DATABASE_URL ?? null,
    sourceStatementTimeoutMs: env.CT_SOURCE_STATEMENT_TIMEOUT_MS,
    /** Where new-data triggers with `pollSeconds` read `csv` sources (the workers' CT_DATA_ROOT). */
    dataRoot: env.CT_DATA_ROOT,
    /** A key that is an admin key of `team` from start-up on; null when none is set. */
    bootstrapAdmin: env.CT_BOOTSTRAP_ADMIN_KEY
      ? { key: env.CT_BOOTSTRAP_ADMIN_KEY, team: env.CT_BOOTSTRAP_TEAM }
      : null,
    jobLogMaxBytes: env.JOB_LOG_MAX_BYTES,
    bullmqPrefix: env.BULLMQ_PREFIX,
    audit: auditConfigFrom(env),
  }));

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
    env: env.CT_ENV,
    logLevel: env.LOG_LEVEL,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    mlflowTrackingUri: env.MLFLOW_TRACKING_URI.replace(/\/+$/, ''),
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

/** Defaults for every variable that has one; connection defaults are dropped in production. */
export const ENV_DEFAULTS: Readonly<Record<string, string>> = {
  CT_ENV: 'development',
  LOG_LEVEL: 'log',
  ...LOCAL_DEFAULTS,
  API_HOST: '127.0.0.1',
  API_PORT: '3000',
  HEALTH_CHECK_TIMEOUT_MS: '2000',
  API_BODY_LIMIT_BYTES: String(256 * 1024),
  RECONCILE_INTERVAL_MS: '30000',
  TEAM_MAX_RUNNING_JOBS: '20',
  TEAM_MAX_QUEUED_JOBS: '10000',
  PIPELINE_SCHEDULE_RESYNC_MS: '300000',
  CT_BOOTSTRAP_TEAM: 'admin',
  JOB_LOG_MAX_BYTES: String(5 * 1024 * 1024),
  BULLMQ_PREFIX: 'ct',
  ATTEMPT_LEASE_MS: '30000',
  DEPENDENCY_OUTAGE_BUDGET_MS: '900000',
  WORKER_CONCURRENCY: '1',
  WORKER_LOCK_DURATION_MS: '30000',
  WORKER_KILL_GRACE_MS: '5000',
  WORKER_SHUTDOWN_GRACE_MS: '30000',
  WORKER_METRICS_HOST: '127.0.0.1',
  WORKER_METRICS_PORT: '9464',
  WORKER_HEARTBEAT_MS: '5000',
  WORKER_PYTHON_POOL: '1',
  // Relative to the worker's working directory: the repository root under scripts/stack.sh, /app in the image.
  CT_PIPELINE_PYTHON: 'pipeline/.venv/bin/python',
  CT_DATA_ROOT: 'data',
  CT_PROJECTS_ROOT: 'projects',
  CT_SOURCE_STATEMENT_TIMEOUT_MS: '300000',
  AUDIT_FILE: 'audit/ct-audit.jsonl',
  AUDIT_PREFIX: 'ct',
  IRIS_AUDIT_PORT: '1972',
  // WriteToConsoleLog is available in every namespace: no need for the rights of %SYS.
  IRIS_AUDIT_NAMESPACE: 'USER',
  AUDIT_BUFFER_MAX: '10000',
  AUDIT_BATCH_SIZE: '100',
  AUDIT_RETRY_BASE_MS: '200',
  AUDIT_RETRY_MAX_MS: '30000',
};

export type ApiConfig = z.output<typeof apiEnvSchema>;
export type WorkerConfig = z.output<typeof workerEnvSchema>;

export type LogLevel = (typeof logLevels)[number];

/** The levels a logger should print when LOG_LEVEL names the most verbose one wanted. */
export function enabledLogLevels(level: LogLevel): LogLevel[] {
  return logLevels.slice(0, logLevels.indexOf(level) + 1);
}
