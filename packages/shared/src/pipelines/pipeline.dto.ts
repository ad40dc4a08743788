import { z } from 'zod';
import { jobSchema } from '../jobs/job.dto.js';
import { JOB_STATES } from '../jobs/job-state.js';
import { promotionSchema } from '../jobs/pipeline-rules.js';
import { jobRunOptions, TRIGGERS } from '../jobs/submit-job.dto.js';
import { pipelineNameSchema, trainingSpecSchema } from '../jobs/training-spec.js';
import { degradationTriggerSchema, monitoringConfigSchema } from './monitoring-config.js';
import { scheduleSchema } from './schedule.js';

const isoDate = z.iso.datetime({ offset: true });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Limits on a registered pipeline's configuration. */
export const PIPELINE_LIMITS = {
  maxCooldownSeconds: 30 * 24 * 60 * 60,
  maxMinNewRows: 1_000_000_000,
  minPollSeconds: 10,
  maxPollSeconds: 24 * 60 * 60,
  maxArrivalRows: 1_000_000_000,
  /** How far in the future an arrival's `at` may be, for clocks that differ a little. */
  arrivalClockSkewMs: 5 * 60 * 1000,
} as const;

/**
 * A registered pipeline's name: a pipeline name (it names the registered model `<team>.<pipeline>`) that is
 * not a UUID, so that `/v1/pipelines/:id` takes either the id or the name.
 */
export const registeredPipelineNameSchema = pipelineNameSchema.refine((name) => !UUID.test(name), {
  error: 'must not be a UUID (the pipeline routes take either the id or the name)',
});

/** `:id` of the pipeline routes: the pipeline's id, or its name within the caller's team. */
export const pipelineRefSchema = z.union([z.uuid(), pipelineNameSchema], {
  error: 'must be a pipeline id (a UUID) or a pipeline name',
});

/** Run when enough new rows have arrived since the last run's data high-water mark. */
export const newDataTriggerSchema = z.strictObject({
  minNewRows: z.number().int().min(1).max(PIPELINE_LIMITS.maxMinNewRows),
  /**
   * How often the platform also counts new rows on the pipeline's own source: rows whose `time_column` is
   * later than the previous count, of a `postgres` source (CT_SOURCE_DATABASE_URL) or of a `csv` file under
   * CT_DATA_ROOT when it was modified since. Without it, only `POST /v1/pipelines/:id/data-arrivals` counts.
   */
  pollSeconds: z
    .number()
    .int()
    .min(PIPELINE_LIMITS.minPollSeconds)
    .max(PIPELINE_LIMITS.maxPollSeconds)
    .optional(),
});

/** The triggers besides the schedule. */
export const pipelineTriggersSchema = z.strictObject({
  newData: newDataTriggerSchema.optional(),
  degradation: degradationTriggerSchema.optional(),
});
export type PipelineTriggers = z.output<typeof pipelineTriggersSchema>;

const cooldownSeconds = z.number().int().min(0).max(PIPELINE_LIMITS.maxCooldownSeconds);

/** Body of `POST /v1/pipelines`. */
export const createPipelineSchema = z.strictObject({
  /** Defaults to `spec.pipeline`; when both are given they must be the same. */
  name: registeredPipelineNameSchema.optional(),
  spec: trainingSpecSchema,
  schedule: scheduleSchema.nullable().default(null),
  triggers: pipelineTriggersSchema.default({}),
  /** After a run ends, triggers (not manual runs) wait this long before they may start another. */
  cooldownSeconds: cooldownSeconds.default(0),
  /** When the champion's live predictions are evaluated besides on demand. */
  monitoring: monitoringConfigSchema.default({ schedule: null, windowSeconds: 86_400 }),
  /** Replaces `spec.promotion` when given. */
  promotion: promotionSchema.optional(),
  enabled: z.boolean().default(true),
});
export type CreatePipeline = z.output<typeof createPipelineSchema>;
export type CreatePipelineInput = z.input<typeof createPipelineSchema>;

/** Body of `PATCH /v1/pipelines/:id`: the fields to change. A new spec or promotion makes a new version. */
export const updatePipelineSchema = z
  .strictObject({
    spec: trainingSpecSchema.optional(),
    schedule: scheduleSchema.nullable().optional(),
    triggers: pipelineTriggersSchema.optional(),
    cooldownSeconds: cooldownSeconds.optional(),
    monitoring: monitoringConfigSchema.optional(),
    promotion: promotionSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { error: 'must change at least one field' });
export type UpdatePipeline = z.output<typeof updatePipelineSchema>;
export type UpdatePipelineInput = z.input<typeof updatePipelineSchema>;

/** Body of `POST /v1/pipelines/:id/runs` (optional): options of the job a manual run makes. */
export const startPipelineRunSchema = z.strictObject(jobRunOptions).optional();
export type StartPipelineRun = z.output<typeof startPipelineRunSchema>;

/** Body of `POST /v1/pipelines/:id/data-arrivals`. */
export const dataArrivalSchema = z.strictObject({
  rows: z.number().int().min(1).max(PIPELINE_LIMITS.maxArrivalRows),
  /** Where the rows landed (a table, a file), for the record. */
  source: z.string().min(1).max(200).optional(),
  /** When the rows arrived; now when absent. No later than a few minutes from now. */
  at: isoDate
    .refine((at) => Date.parse(at) <= Date.now() + PIPELINE_LIMITS.arrivalClockSkewMs, {
      error: 'must not be in the future',
    })
    .optional(),
});
export type DataArrival = z.output<typeof dataArrivalSchema>;

/** Why a fired trigger started no run. */
export const SUPPRESSION_REASONS = ['run_in_progress', 'cooldown', 'pipeline_disabled', 'quota'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** The trigger kinds of a registered pipeline (`performance`: its degradation trigger). */
export const triggerKindSchema = z.enum(TRIGGERS);

/** One firing of a trigger and what came of it. */
export const triggerRecordSchema = z.object({
  id: z.uuid(),
  pipelineId: z.uuid(),
  kind: triggerKindSchema,
  firedAt: isoDate,
  /** The figures that fired it: `tickAt` for a schedule; `rowsSinceLastRun`, `minNewRows`, ... for new data. */
  figures: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  outcome: z.enum(['started', 'suppressed']),
  reason: z.enum(SUPPRESSION_REASONS).nullable(),
  jobId: z.uuid().nullable(),
  message: z.string(),
});
export type TriggerRecord = z.infer<typeof triggerRecordSchema>;

export const triggerPageSchema = z.object({
  items: z.array(triggerRecordSchema),
  nextCursor: z.string().nullable(),
});
export type TriggerPage = z.infer<typeof triggerPageSchema>;

/** A page query: newest first. */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type PageQuery = z.output<typeof pageQuerySchema>;

/** One immutable version of a pipeline's spec. */
export const pipelineVersionSchema = z.object({
  version: z.number().int().min(1),
  /** sha256 of the spec's canonical JSON. */
  hash: z.string(),
  spec: trainingSpecSchema,
  createdBy: z.string().nullable(),
  createdAt: isoDate,
});
export type PipelineVersion = z.infer<typeof pipelineVersionSchema>;

export const pipelineVersionListSchema = z.object({ items: z.array(pipelineVersionSchema) });
export type PipelineVersionList = z.infer<typeof pipelineVersionListSchema>;

/** A pipeline's latest run and how it went. */
export const pipelineRunSummarySchema = z.object({
  jobId: z.uuid(),
  state: z.enum(JOB_STATES),
  trigger: triggerKindSchema,
  pipelineVersion: z.number().int().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
  failureReason: z.string().nullable(),
});

/** Where the new-data trigger stands. */
export const newDataStateSchema = z.object({
  minNewRows: z.number().int(),
  /** Rows that arrived after the high-water mark of the latest run that is not failed or cancelled. */
  rowsSinceLastRun: z.number().int(),
  highWaterMark: isoDate.nullable(),
  pollSeconds: z.number().int().nullable(),
  /** With `pollSeconds`: the source's rows are counted up to this time (their time column). */
  polledUntil: isoDate.nullable().optional(),
  /** With `pollSeconds`: why the latest poll of the source failed, until one works. */
  pollError: z.string().nullable().optional(),
});

/** A registered pipeline as the API shows it. */
export const pipelineSchema = z.object({
  id: z.uuid(),
  team: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  schedule: scheduleSchema.nullable(),
  triggers: pipelineTriggersSchema,
  cooldownSeconds: z.number().int(),
  monitoring: monitoringConfigSchema,
  promotion: promotionSchema,
  registeredModel: z.string(),
  latestVersion: pipelineVersionSchema.omit({ spec: true }),
  spec: trainingSpecSchema,
  /** The next schedule tick, computed from the cron expression; null without a schedule or when disabled. */
  nextRunAt: isoDate.nullable(),
  lastRun: pipelineRunSummarySchema.nullable(),
  /** The latest trigger record, whatever its outcome. */
  lastTrigger: triggerRecordSchema.nullable(),
  newData: newDataStateSchema.nullable(),
  /**
   * `GET /v1/pipelines/:id` only: the registered model's champion and its primary metric. Null when there is
   * none, or when MLflow could not be asked (then `championUnavailable` says why).
   */
  champion: z
    .object({
      version: z.string(),
      metric: z.object({ name: z.string(), value: z.number() }).nullable(),
    })
    .nullable()
    .optional(),
  championUnavailable: z.string().optional(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Pipeline = z.infer<typeof pipelineSchema>;

export const pipelinePageSchema = z.object({
  items: z.array(pipelineSchema),
  nextCursor: z.string().nullable(),
});
export type PipelinePage = z.infer<typeof pipelinePageSchema>;

/** Answer of `POST /v1/pipelines/:id/data-arrivals`: the arrival counted, and the trigger it fired if any. */
export const dataArrivalResultSchema = z.object({
  rows: z.number().int(),
  at: isoDate,
  newData: newDataStateSchema.nullable(),
  trigger: triggerRecordSchema.nullable(),
});
export type DataArrivalResult = z.infer<typeof dataArrivalResultSchema>;

/** Answer of `POST /v1/pipelines/:id/runs`: the job, and the trigger record of the manual run. */
export const pipelineRunSchema = z.object({ job: jobSchema, trigger: triggerRecordSchema });
export type PipelineRun = z.infer<typeof pipelineRunSchema>;
