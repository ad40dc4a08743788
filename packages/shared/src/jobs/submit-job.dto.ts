import { z } from 'zod';
import { modelParamsSchema, trainingSpecSchema } from './training-spec.js';

export const TRIGGERS = ['manual', 'schedule', 'new_data', 'performance'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Limits on a submission; the API also caps the body size as a whole. */
export const JOB_LIMITS = {
  maxTimeoutSeconds: 24 * 60 * 60,
  defaultTimeoutSeconds: 60 * 60,
  maxAttempts: 10,
  defaultMaxAttempts: 3,
  maxTags: 20,
} as const;

/** How a job runs, whoever starts it: a submission, or a manual run of a registered pipeline. */
export const jobRunOptions = {
  /** Overrides for `spec.model.params`. */
  params: modelParamsSchema.optional(),
  /** 1 runs first; BullMQ's priority order. */
  priority: z.number().int().min(1).max(1000).default(100),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(JOB_LIMITS.maxTimeoutSeconds)
    .default(JOB_LIMITS.defaultTimeoutSeconds),
  maxAttempts: z.number().int().min(1).max(JOB_LIMITS.maxAttempts).default(JOB_LIMITS.defaultMaxAttempts),
};

/** Body of `POST /v1/jobs`. */
export const submitJobSchema = z.strictObject({
  spec: trainingSpecSchema,
  ...jobRunOptions,
  idempotencyKey: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, { error: 'must be 1-200 characters of letters, digits, _ . : -' })
    .optional(),
  tags: z
    .record(z.string().regex(/^[a-zA-Z0-9_.-]{1,50}$/), z.string().max(200))
    .refine((tags) => Object.keys(tags).length <= JOB_LIMITS.maxTags, {
      error: `at most ${JOB_LIMITS.maxTags} tags`,
    })
    .default({}),
  trigger: z.enum(TRIGGERS).default('manual'),
});
export type SubmitJob = z.output<typeof submitJobSchema>;
export type SubmitJobInput = z.input<typeof submitJobSchema>;
