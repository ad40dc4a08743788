import { z } from 'zod';
import { jobSchema } from '../jobs/job.dto.js';
import { dataSourceSchema } from '../jobs/training-spec.js';
import { cellSchema, modelRefSchema } from './job-task.js';

const isoDate = z.iso.datetime({ offset: true });

/** Limits on scoring requests and ground truth. */
export const SCORING_LIMITS = {
  maxInlineRows: 1_000,
  maxInlineColumns: 1_000,
  maxGroundTruthItems: 10_000,
  maxRowKeyLength: 200,
} as const;

const rowKeySchema = z.string().min(1).max(SCORING_LIMITS.maxRowKeyLength);

/**
 * Body of `POST /v1/pipelines/:id/scores`: score rows of a data source (the pipeline's own by default, bounded
 * by `since`/`until` on its time column) or up to 1,000 rows sent inline.
 */
export const submitScoresSchema = z
  .strictObject({
    model: modelRefSchema.default('champion'),
    source: dataSourceSchema.optional(),
    since: isoDate.optional(),
    until: isoDate.optional(),
    rows: z
      .array(
        z
          .record(z.string().min(1).max(200), cellSchema)
          .refine((row) => Object.keys(row).length <= SCORING_LIMITS.maxInlineColumns, {
            error: `a row has at most ${SCORING_LIMITS.maxInlineColumns} columns`,
          }),
      )
      .min(1)
      .max(SCORING_LIMITS.maxInlineRows)
      .optional(),
    /** The column whose value identifies a row for its ground truth; absent from the data: `<job id>:<row index>`. */
    keyColumn: z.string().min(1).max(200).default('id'),
    /**
     * Also write the predictions to the IRIS table `CT.Predictions` and, when the champion scores, its model
     * URI to the global `^ML.Config("ModelPath")` (the worker needs `CT_IRIS_URL`).
     */
    mirrorToIris: z.boolean().default(false),
  })
  .superRefine((body, ctx) => {
    if (body.rows && (body.source || body.since || body.until))
      ctx.addIssue({
        code: 'custom',
        path: ['rows'],
        message: 'inline rows go without source, since or until',
      });
    if (body.since && body.until && Date.parse(body.since) > Date.parse(body.until))
      ctx.addIssue({ code: 'custom', path: ['since'], message: 'must not be after until' });
  });
export type SubmitScores = z.output<typeof submitScoresSchema>;
export type SubmitScoresInput = z.input<typeof submitScoresSchema>;

/** One stored prediction, and its ground truth once it arrived. */
export const predictionSchema = z.object({
  id: z.string(),
  rowKey: z.string(),
  /** The scoring job; null for a pair sent by an outside serving system. */
  jobId: z.uuid().nullable(),
  modelVersion: z.string().nullable(),
  /** The MLflow run that trained the model. */
  runId: z.string().nullable(),
  prediction: z.number(),
  probabilities: z.record(z.string(), z.number()).nullable(),
  features: z.record(z.string(), cellSchema).nullable(),
  featuresHash: z.string().nullable(),
  scoredAt: isoDate,
  /** The batch's inference time divided by its rows, in microseconds. */
  inferenceUs: z.number().nullable(),
  outcome: z.number().nullable(),
  observedAt: isoDate.nullable(),
});
export type Prediction = z.infer<typeof predictionSchema>;

/** Query of `GET /v1/pipelines/:id/predictions`: newest first. */
export const predictionQuerySchema = z.strictObject({
  since: isoDate.optional(),
  until: isoDate.optional(),
  modelVersion: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, { error: 'must be a version number' })
    .optional(),
  /** true: only predictions with ground truth; false: only those without. */
  labelled: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});
export type PredictionQuery = z.output<typeof predictionQuerySchema>;

export const predictionPageSchema = z.object({
  items: z.array(predictionSchema),
  nextCursor: z.string().nullable(),
});
export type PredictionPage = z.infer<typeof predictionPageSchema>;

/**
 * Body of `POST /v1/pipelines/:id/ground-truth`: observed outcomes by row key for stored predictions
 * (`items`), or prediction/outcome pairs from a serving system outside ct (`pairs`).
 */
export const groundTruthSchema = z.union([
  z.strictObject({
    items: z
      .array(z.strictObject({ rowKey: rowKeySchema, outcome: z.number(), observedAt: isoDate.optional() }))
      .min(1)
      .max(SCORING_LIMITS.maxGroundTruthItems),
  }),
  z.strictObject({
    pairs: z
      .array(
        z.strictObject({
          rowKey: rowKeySchema,
          prediction: z.number(),
          outcome: z.number(),
          modelVersion: z
            .string()
            .regex(/^[1-9][0-9]{0,9}$/)
            .optional(),
          scoredAt: isoDate.optional(),
          observedAt: isoDate.optional(),
        }),
      )
      .min(1)
      .max(SCORING_LIMITS.maxGroundTruthItems),
  }),
]);
export type GroundTruth = z.output<typeof groundTruthSchema>;

/** Answer of `POST /v1/pipelines/:id/ground-truth`. */
export const groundTruthResultSchema = z.object({
  /** Predictions that got an outcome (or a different one). */
  attached: z.number().int(),
  /** Predictions that already had this outcome: a re-send changes nothing. */
  unchanged: z.number().int(),
  /** Row keys with no stored prediction of this pipeline: nothing was attached for them. */
  unknownKeys: z.array(z.string()),
  /** Pairs stored as outside predictions. */
  inserted: z.number().int(),
});
export type GroundTruthResult = z.infer<typeof groundTruthResultSchema>;

/** Answer of `POST /v1/pipelines/:id/scores` and `POST /v1/pipelines/:id/monitor`: the queued job. */
export const queuedJobSchema = z.object({ job: jobSchema });
export type QueuedJob = z.infer<typeof queuedJobSchema>;
