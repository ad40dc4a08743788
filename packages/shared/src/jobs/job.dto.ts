import { z } from 'zod';
import { promotionDecisionSchema } from '../models/model-registry.dto.js';
import { jobTaskSchema } from '../scoring/job-task.js';
import { FAILURE_REASONS } from './failure-reason.js';
import { PIPELINE_STEPS } from './job-event.dto.js';
import { JOB_KINDS } from './job-kind.js';
import { JOB_STATES } from './job-state.js';
import { TRIGGERS } from './submit-job.dto.js';
import { trainingSpecSchema } from './training-spec.js';

const isoDate = z.iso.datetime({ offset: true });

/** One attempt at running a job: each has its own MLflow run. */
export const jobAttemptSchema = z.object({
  attempt: z.number().int().min(1),
  mlflowRunId: z.string().nullable(),
  startedAt: isoDate,
  finishedAt: isoDate.nullable(),
  outcome: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'retrying']),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  message: z.string().nullable(),
  worker: z.string().nullable(),
});
export type JobAttempt = z.infer<typeof jobAttemptSchema>;

/** `:id` of the jobs routes: a malformed id is a 400, never a database error. */
export const jobIdSchema = z.uuid({ error: 'must be a job id (a UUID)' });

/** A job as the API shows it. */
export const jobSchema = z.object({
  id: z.uuid(),
  team: z.string(),
  pipeline: z.string(),
  /** What the job does: train (the default), score or monitor. */
  kind: z.enum(JOB_KINDS),
  state: z.enum(JOB_STATES),
  trigger: z.enum(TRIGGERS),
  /** A score or monitor job: the pipeline version's spec it works with. */
  spec: trainingSpecSchema,
  /** A score or monitor job's request; null for training. */
  task: jobTaskSchema.nullable(),
  priority: z.number().int(),
  timeoutSeconds: z.number().int(),
  maxAttempts: z.number().int(),
  attempts: z.number().int().min(0),
  idempotencyKey: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  progress: z.object({ step: z.enum(PIPELINE_STEPS).nullable(), fraction: z.number().min(0).max(1) }),
  mlflowExperimentId: z.string().nullable(),
  mlflowRunId: z.string().nullable(),
  metrics: z.record(z.string(), z.number()),
  modelUri: z.string().nullable(),
  /** The MLflow registered model and version the job's run became, and the promotion decision on it. */
  registeredModel: z.string().nullable(),
  modelVersion: z.string().nullable(),
  decision: promotionDecisionSchema.nullable(),
  /** The id of the API key that submitted the job (null for jobs from before keys were recorded). */
  submittedBy: z.string().nullable(),
  failureReason: z.enum(FAILURE_REASONS).nullable(),
  failureMessage: z.string().nullable(),
  history: z.array(jobAttemptSchema),
  /** The registered pipeline, its spec version and the trigger record that started the job; null for jobs submitted directly. */
  pipelineId: z.uuid().nullable(),
  pipelineVersion: z.number().int().nullable(),
  triggerId: z.uuid().nullable(),
  /** The data high-water mark the run's extraction reads up to (rows whose time column is at or before it). */
  dataHighWater: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});
export type Job = z.infer<typeof jobSchema>;

/** Query of `GET /v1/jobs`: newest first, cursor-paginated. */
export const listJobsQuerySchema = z.strictObject({
  state: z.enum(JOB_STATES).optional(),
  pipeline: z.string().max(100).optional(),
  createdAfter: isoDate.optional(),
  createdBefore: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListJobsQuery = z.output<typeof listJobsQuerySchema>;

export const jobPageSchema = z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() });
export type JobPage = z.infer<typeof jobPageSchema>;

/** Query of `GET /v1/jobs/:id/logs`. */
export const jobLogsQuerySchema = z.strictObject({
  offset: z.coerce.number().int().min(0).optional(),
  tail: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

export type JobLogsQuery = z.input<typeof jobLogsQuerySchema>;

/** Body of `GET /v1/jobs/:id/logs`: the captured output, from byte `offset`. */
export const jobLogsSchema = z.object({
  offset: z.number().int(),
  nextOffset: z.number().int(),
  size: z.number().int(),
  truncated: z.boolean(),
  text: z.string(),
});
export type JobLogs = z.infer<typeof jobLogsSchema>;
