import { z } from 'zod';
import { PIPELINE_STEPS } from '../jobs/job-event.dto.js';
import { promotionDecisionSchema } from '../models/model-registry.dto.js';

/**
 * What a failed run reports in its `result` event: what went wrong, and in which step (null before the
 * steps). The failure's reason is not here: the exit code carries it (`failureForExitCode`).
 */
export const failedResultSchema = z.object({
  status: z.literal('failed'),
  message: z.string(),
  step: z.enum(PIPELINE_STEPS).nullable(),
});

/** What a succeeded training run reports in its `result` event. */
export const trainResultSchema = z.object({
  status: z.literal('succeeded'),
  metrics: z.record(z.string(), z.number()),
  model_uri: z.string(),
  // Absent or null when the pipeline registered no version (a run outside the promotion flow).
  registered_model: z.string().nullable().optional(),
  model_version: z.string().nullable().optional(),
  decision: promotionDecisionSchema.nullable().optional(),
  /** The run logged into, and the split's sizes: for the person reading the result (`ct-pipeline run`). */
  run_id: z.string().optional(),
  rows: z.object({ train: z.number().int().min(0), test: z.number().int().min(0) }).optional(),
});

/** What a succeeded score run reports in its `result` event. */
export const scoreResultSchema = z.object({
  status: z.literal('succeeded'),
  kind: z.literal('score'),
  rows: z.number().int().min(0),
  model_version: z.string().min(1),
  /** The MLflow run that trained the version. */
  model_run_id: z.string().nullable(),
  model_uri: z.string(),
  /** Whether the model came from the worker's cache or was downloaded. */
  cache: z.enum(['hit', 'miss']),
  inference_seconds: z.number().min(0),
  rows_per_second: z.number().min(0),
});

/** What a succeeded monitor run reports in its `result` event. */
export const monitorResultSchema = z.object({
  status: z.literal('succeeded'),
  kind: z.literal('monitor'),
  samples: z.number().int().min(0),
  scored: z.number().int().min(0),
  metrics: z.record(z.string(), z.number()),
  primary: z.string().nullable().optional(),
  drift: z
    .object({
      share_drifted: z.number(),
      drifted: z.number().int(),
      features: z.record(
        z.string(),
        z.object({ score: z.number(), drifted: z.boolean(), method: z.string() }),
      ),
    })
    .nullable(),
  drift_skipped: z.string().nullable(),
  model_version: z.string().min(1),
  /** The monitoring run (the job's own). */
  run_id: z.string(),
});

/** The payloads of a `result` event, by name; the JSON Schema the pipeline reads has one definition each. */
export const PIPELINE_RESULTS = {
  failed: failedResultSchema,
  train: trainResultSchema,
  score: scoreResultSchema,
  monitor: monitorResultSchema,
} as const;
