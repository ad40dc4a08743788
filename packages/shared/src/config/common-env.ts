import { z } from 'zod';
import { auditEnv } from './audit-env.js';
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

/** A LOG_LEVEL: the most verbose level a logger prints. */
export type LogLevel = (typeof logLevels)[number];

/** The levels a logger should print when LOG_LEVEL names the most verbose one wanted. */
export function enabledLogLevels(level: LogLevel): LogLevel[] {
  return logLevels.slice(0, logLevels.indexOf(level) + 1);
}

/** The variables that the api and the worker both read (the audit client's among them). */
export const commonEnv = {
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

/**
 * What the api's and the worker's configurations start with: the environment, the log level and the
 * connections to Redis, Postgres and MLflow.
 */
export function commonConfigFrom(env: z.output<z.ZodObject<typeof commonEnv>>) {
  return {
    env: env.CT_ENV,
    logLevel: env.LOG_LEVEL,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    mlflowTrackingUri: env.MLFLOW_TRACKING_URI.replace(/\/+$/, ''),
  };
}
