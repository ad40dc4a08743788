import { PIPELINE_STEPS } from '@ct/shared';
import { z } from 'zod';

// The structured event protocol, version 1 (pipeline/README.md, `ct_pipeline.event_schema`): one JSON object
// per line on the events pipe. Strict like the Python side: an unknown field means a protocol change.
const envelope = {
  v: z.literal(1),
  ts: z.string(),
  seq: z.number().int().min(1),
};
const step = z.enum(PIPELINE_STEPS);

export const pipelineEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('step.started'), step }),
  z.strictObject({
    ...envelope,
    type: z.literal('step.finished'),
    step,
    duration_ms: z.number().int().min(0),
    status: z.enum(['ok', 'failed']),
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
    level: z.enum(['debug', 'info', 'warning', 'error']),
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
export type PipelineEvent = z.infer<typeof pipelineEventSchema>;
