import { z } from 'zod';
import { dataSourceSchema } from '../jobs/training-spec.js';

const isoDate = z.iso.datetime({ offset: true });

/** Which of the pipeline's models: an alias (`champion`, the default) or a version number ("3"). */
export const modelRefSchema = z.string().regex(/^(?:[a-z][a-z0-9_-]{0,63}|[1-9][0-9]{0,9})$/, {
  error: 'must be an alias (such as champion) or a version number',
});

/** A value of an inline row or of a stored prediction's features. */
export const cellSchema = z.union([z.number(), z.string().max(10_000), z.boolean(), z.null()]);

/** A scoring job's request as stored on the job (`task`). */
export const scoreTaskSchema = z.object({
  kind: z.literal('score'),
  model: modelRefSchema,
  source: dataSourceSchema.nullable(),
  since: isoDate.nullable(),
  until: isoDate.nullable(),
  rows: z.array(z.record(z.string(), cellSchema)).nullable(),
  keyColumn: z.string(),
  /** Also write the predictions to IRIS (`submitScoresSchema.mirrorToIris`); tasks stored before it have none. */
  mirrorToIris: z.boolean().default(false),
});
export type ScoreTask = z.infer<typeof scoreTaskSchema>;

/** A monitoring job's request as stored on the job (`task`): the window of predictions it evaluates. */
export const monitorTaskSchema = z.object({
  kind: z.literal('monitor'),
  model: modelRefSchema,
  windowStart: isoDate,
  windowEnd: isoDate,
});
export type MonitorTask = z.infer<typeof monitorTaskSchema>;

/** What a score or monitor job does; null for a training job (its spec says it all). */
export const jobTaskSchema = z.discriminatedUnion('kind', [scoreTaskSchema, monitorTaskSchema]);
export type JobTask = z.infer<typeof jobTaskSchema>;
