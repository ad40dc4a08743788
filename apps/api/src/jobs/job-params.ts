import { z } from 'zod';

/** `:id` of the jobs routes: a malformed id is a 400, never a database error. */
export const jobIdSchema = z.uuid({ error: 'must be a job id (a UUID)' });

/** Ids of stored events (SSE `id:`), as `?after=` or the `Last-Event-ID` header. */
export const eventIdSchema = z
  .string()
  .regex(/^\d{1,18}$/, { error: 'must be an event id (a whole number)' });

/** Query of `GET /v1/jobs/:id/events`. */
export const jobEventsQuerySchema = z.strictObject({ after: eventIdSchema.optional() });
export type JobEventsQuery = z.output<typeof jobEventsQuerySchema>;
