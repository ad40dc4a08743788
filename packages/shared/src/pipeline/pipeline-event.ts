import { z } from 'zod';
import { PIPELINE_STEPS } from '../jobs/job-event.dto.js';

/** The version of the structured event protocol; a change to an event's fields bumps it. */
export const PIPELINE_PROTOCOL_VERSION = 1;
/** The levels of a `log` event. */
export const PIPELINE_LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;

const envelope = {
  v: z.literal(PIPELINE_PROTOCOL_VERSION),
  // UTC with milliseconds, as the pipeline writes it.
  ts: z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/),
  seq: z.number().int().min(1),
};
const step = z.enum(PIPELINE_STEPS);

/**
 * The structured event protocol between the Python pipeline and the worker: one JSON object per line on the
 * events pipe (`CT_EVENTS_FD`). Strict: an unknown field means a protocol change, which bumps `v`. The
 * Python side reads the exported `pipeline-event.schema.json` and checks every event it writes against it.
 * A `result` event's payload is described by `pipelineResultSchema`.
 */
export const pipelineEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('step.started'), step }),
  z.strictObject({
    ...envelope,
    type: z.literal('step.finished'),
    step,
    duration_ms: z.number().int().min(0),
    status: z.enum(['ok', 'failed']),
    /** Why a failed step failed: the exception's type and message. */
    reason: z.string().optional(),
  }),
  z.strictObject({
    ...envelope,
    type: z.literal('progress'),
    step,
    fraction: z.number().min(0).max(1),
    message: z.string().optional(),
  }),
  z.strictObject({
    ...envelope,
    type: z.literal('metric'),
    key: z.string().min(1),
    value: z.number(),
    step: z.number().int().optional(),
  }),
  z.strictObject({
    ...envelope,
    type: z.literal('log'),
    level: z.enum(PIPELINE_LOG_LEVELS),
    message: z.string(),
  }),
  z.strictObject({
    ...envelope,
    type: z.literal('validation.finding'),
    rule: z.string().min(1),
    severity: z.enum(['warning', 'error']),
    message: z.string(),
    columns: z.array(z.string()),
    figures: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({ ...envelope, type: z.literal('result'), payload: z.record(z.string(), z.unknown()) }),
]);
/** One event of the structured event protocol. */
export type PipelineEvent = z.infer<typeof pipelineEventSchema>;
