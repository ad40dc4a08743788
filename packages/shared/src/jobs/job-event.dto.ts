import { z } from 'zod';
import { FAILURE_REASONS } from './failure-reason.js';
import { JOB_STATES } from './job-state.js';

/** The CT pipeline's steps, in order (`ct_pipeline.event_schema.Step`). */
export const PIPELINE_STEPS = [
  'extraction',
  'validation',
  'preparation',
  'training',
  'evaluation',
  'model_validation',
  'promotion',
] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

const base = { jobId: z.uuid(), at: z.iso.datetime({ offset: true }), attempt: z.number().int().min(0) };

/** What `GET /v1/jobs/:id/events` streams (Server-Sent Events, `event:` = `type`). */
export const jobEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('state'),
    state: z.enum(JOB_STATES),
    failureReason: z.enum(FAILURE_REASONS).nullable(),
    message: z.string().nullable(),
  }),
  z.object({ ...base, type: z.literal('step.started'), step: z.enum(PIPELINE_STEPS) }),
  z.object({
    ...base,
    type: z.literal('step.finished'),
    step: z.enum(PIPELINE_STEPS),
    status: z.enum(['ok', 'failed']),
    durationMs: z.number().nonnegative(),
    reason: z.string().nullable(),
  }),
  z.object({
    ...base,
    type: z.literal('progress'),
    step: z.enum(PIPELINE_STEPS),
    fraction: z.number().min(0).max(1),
    message: z.string().nullable(),
  }),
  z.object({ ...base, type: z.literal('metric'), key: z.string(), value: z.number() }),
  z.object({
    ...base,
    type: z.literal('log'),
    level: z.enum(['debug', 'info', 'warning', 'error']),
    message: z.string(),
  }),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;
export type JobEventType = JobEvent['type'];

/** Ids of stored events (SSE `id:`), as `?after=` or the `Last-Event-ID` header. */
export const eventIdSchema = z
  .string()
  .regex(/^\d{1,18}$/, { error: 'must be an event id (a whole number)' });

/** Query of `GET /v1/jobs/:id/events`: resume after this event id. */
export const jobEventsQuerySchema = z.strictObject({ after: eventIdSchema.optional() });
export type JobEventsQuery = z.output<typeof jobEventsQuerySchema>;

/** An event's own fields, without the job id, attempt and time that the store adds. */
export type JobEventBody = JobEvent extends infer Event
  ? Event extends JobEvent
    ? Omit<Event, 'jobId' | 'at' | 'attempt'>
    : never
  : never;
