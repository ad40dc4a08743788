import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { AuditConfig } from '../audit/audit-config.js';
import { integerInRange, path } from './env-values.js';

/** The audit client (src/audit): the IRIS console log when IRIS_AUDIT_HOST is set, else a JSON-lines file. */
export const auditEnv = {
  AUDIT_FILE: path(),
  AUDIT_SPOOL_DIR: path().optional(),
  AUDIT_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,50}$/, {
    error: 'must be 1-50 characters of letters, digits, _, ., : and -',
  }),
  IRIS_AUDIT_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]{1,255}$/, { error: 'must be a host name or address' })
    .optional(),
  IRIS_AUDIT_PORT: integerInRange(1, 65_535),
  IRIS_AUDIT_NAMESPACE: z
    .string()
    .regex(/^%?[A-Za-z0-9_.-]{1,64}$/, { error: 'must be an IRIS namespace name' }),
  IRIS_AUDIT_USER: z.string().min(1, { error: 'must not be empty' }).optional(),
  IRIS_AUDIT_PASSWORD: z.string().min(1, { error: 'must not be empty' }).optional(),
  AUDIT_BUFFER_MAX: integerInRange(100, 1_000_000),
  AUDIT_BATCH_SIZE: integerInRange(1, 10_000),
  AUDIT_RETRY_BASE_MS: integerInRange(10, 60_000),
  AUDIT_RETRY_MAX_MS: integerInRange(100, 3_600_000),
};

export type AuditEnv = z.output<z.ZodObject<typeof auditEnv>> & { CT_ENV: string };

/** Development signs in as IRIS's default user; production must name its IRIS credentials. */
export function checkAuditEnv(env: AuditEnv, ctx: z.core.$RefinementCtx): void {
  if (env.CT_ENV !== 'production' || env.IRIS_AUDIT_HOST === undefined) return;
  for (const variable of ['IRIS_AUDIT_USER', 'IRIS_AUDIT_PASSWORD'] as const) {
    if (env[variable] === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [variable],
        message: 'is required when CT_ENV=production and IRIS_AUDIT_HOST is set',
      });
  }
}

export function auditConfigFrom(env: AuditEnv): AuditConfig {
  return {
    file: env.AUDIT_FILE,
    spoolDir: env.AUDIT_SPOOL_DIR ?? join(dirname(env.AUDIT_FILE), 'spool'),
    prefix: env.AUDIT_PREFIX,
    iris:
      env.IRIS_AUDIT_HOST === undefined
        ? null
        : {
            host: env.IRIS_AUDIT_HOST,
            port: env.IRIS_AUDIT_PORT,
            namespace: env.IRIS_AUDIT_NAMESPACE,
            user: env.IRIS_AUDIT_USER ?? '_SYSTEM',
            password: env.IRIS_AUDIT_PASSWORD ?? 'SYS',
          },
    bufferMax: env.AUDIT_BUFFER_MAX,
    batchSize: env.AUDIT_BATCH_SIZE,
    retryBaseMs: env.AUDIT_RETRY_BASE_MS,
    retryMaxMs: env.AUDIT_RETRY_MAX_MS,
  };
}
