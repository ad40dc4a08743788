import { z } from 'zod';
import { teamNameSchema } from '../auth/api-key.dto.js';
import { auditConfigFrom, checkAuditEnv } from './audit-env.js';
import { commonConfigFrom, commonEnv } from './common-env.js';
import { integerInRange } from './env-values.js';

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
    ...commonConfigFrom(env),
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

/** The API's configuration, as `apiEnvSchema` parses it from the environment. */
export type ApiConfig = z.output<typeof apiEnvSchema>;
