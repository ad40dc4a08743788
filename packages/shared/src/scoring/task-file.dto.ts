import { z } from 'zod';
import { dataSourceSchema, trainingSpecSchema } from '../jobs/training-spec.js';
import { cellSchema, modelRefSchema } from './job-task.js';
import { SCORING_LIMITS } from './scoring.dto.js';

// The task file (`task.json`) the worker writes for `python -m ct_pipeline.score|monitor`. Keys are snake_case,
// as the Python side names things. A field with a default may be left out (a file written by hand); the
// worker writes every field (its builders return the `Required<>` output type). Exported as JSON Schema into
// the Python package, which validates each task file against it.

const isoDate = z.iso.datetime({ offset: true });

/** The fields both task files share. */
const taskFileBase = {
  /** The job; absent: `CT_JOB_ID`. */
  job_id: z.string().min(1).optional(),
  /** The pipeline version's training spec (validated by the training spec's own schema). */
  spec: trainingSpecSchema,
  /** `<team>.<pipeline>`; absent: the spec's pipeline name. */
  registered_model: z.string().min(1).optional(),
  /** An alias or a version number of the registered model. */
  model: modelRefSchema.default('champion'),
};

/** What `python -m ct_pipeline.score` reads: which model scores which rows, and where the predictions go. */
export const scoreTaskFileSchema = z.strictObject({
  kind: z.literal('score'),
  ...taskFileBase,
  /** A data section like the spec's; null: the spec's own (without its since/until). */
  source: dataSourceSchema.nullable().default(null),
  /** Bounds of the source on its time column (else the spec's). */
  since: isoDate.nullable().default(null),
  until: isoDate.nullable().default(null),
  /** Inline rows instead of a source (the two exclude each other). */
  rows: z
    .array(z.record(z.string(), cellSchema))
    .min(1)
    .max(SCORING_LIMITS.maxInlineRows)
    .nullable()
    .default(null),
  /** A row's key; rows without one get `<job_id>:<row index>`. */
  key_column: z.string().min(1).default('id'),
  /** The predictions file the child writes. */
  output: z.string().min(1),
  /** Also write the predictions to IRIS (the API's `mirrorToIris`). */
  iris_mirror: z.boolean().default(false),
});
/** A score task file as the worker writes it. */
export type ScoreTaskFile = Required<z.output<typeof scoreTaskFileSchema>>;

/** What `python -m ct_pipeline.monitor` reads: a model version's predictions in a window, exported by the worker. */
export const monitorTaskFileSchema = z.strictObject({
  kind: z.literal('monitor'),
  ...taskFileBase,
  /** The version the worker resolved `model` to; null: resolve it in the child. */
  model_version: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, { error: 'must be a version number' })
    .nullable()
    .default(null),
  window_start: isoDate,
  window_end: isoDate,
  /** The window's predictions (`window.csv`), written by the worker. */
  input: z.string().min(1),
  /** The degradation trigger's minimum, reported on, not enforced by the child. */
  min_samples: z.number().int().min(1).default(1),
});
/** A monitor task file as the worker writes it. */
export type MonitorTaskFile = Required<z.output<typeof monitorTaskFileSchema>>;
