import { z } from 'zod';

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

function urlWithScheme(schemes: readonly string[], example: string) {
  const expected = `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')} (for example ${example})`;
  return z.string({ error: expected }).refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: expected },
  );
}

function integerInRange(min: number, max: number) {
  const expected = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ error: expected })
    .regex(/^\d+$/, { error: expected })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: expected }).max(max, { error: expected }));
}

const logLevels = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

const commonEnv = {
  CT_ENV: z.enum(['development', 'test', 'production'], {
    error: 'must be one of development, test, production',
  }),
  LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }),
  REDIS_URL: urlWithScheme(['redis:', 'rediss:'], LOCAL_DEFAULTS.REDIS_URL),
  DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:'], LOCAL_DEFAULTS.DATABASE_URL),
  MLFLOW_TRACKING_URI: urlWithScheme(['http:', 'https:'], LOCAL_DEFAULTS.MLFLOW_TRACKING_URI),
};

/** Environment variables read by the API, with their local defaults applied. */
export const apiEnvSchema = z
  .object({
    ...commonEnv,
    API_HOST: z.string().min(1, { error: 'must not be empty' }),
    API_PORT: integerInRange(1, 65_535),
    HEALTH_CHECK_TIMEOUT_MS: integerInRange(50, 60_000),
  })
  .transform((env) => ({
    env: env.CT_ENV,
    logLevel: env.LOG_LEVEL,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    mlflowTrackingUri: env.MLFLOW_TRACKING_URI.replace(/\/+$/, ''),
    http: { host: env.API_HOST, port: env.API_PORT },
    healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
  }));

/** Environment variables read by the worker, with their local defaults applied. */
export const workerEnvSchema = z
  .object({
    ...commonEnv,
    WORKER_CONCURRENCY: integerInRange(1, 64),
  })
  .transform((env) => ({
    env: env.CT_ENV,
    logLevel: env.LOG_LEVEL,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    mlflowTrackingUri: env.MLFLOW_TRACKING_URI.replace(/\/+$/, ''),
    concurrency: env.WORKER_CONCURRENCY,
  }));

/** Defaults for every variable that has one; connection defaults are dropped in production. */
export const ENV_DEFAULTS: Readonly<Record<string, string>> = {
  CT_ENV: 'development',
  LOG_LEVEL: 'log',
  ...LOCAL_DEFAULTS,
  API_HOST: '127.0.0.1',
  API_PORT: '3000',
  HEALTH_CHECK_TIMEOUT_MS: '2000',
  WORKER_CONCURRENCY: '1',
};

export type ApiConfig = z.output<typeof apiEnvSchema>;
export type WorkerConfig = z.output<typeof workerEnvSchema>;

export type LogLevel = (typeof logLevels)[number];

/** The levels a logger should print when LOG_LEVEL names the most verbose one wanted. */
export function enabledLogLevels(level: LogLevel): LogLevel[] {
  return logLevels.slice(0, logLevels.indexOf(level) + 1);
}
