import { z } from 'zod';
import { JOB_STATES } from '../jobs/job-state.js';

const isoDate = z.iso.datetime({ offset: true });

/** The states a job can be in within a BullMQ queue, as BullMQ names them. */
export const QUEUE_JOB_STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
  'waiting-children',
] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/** The finished states whose BullMQ records `POST /v1/queues/:name/clean` removes. */
export const CLEANABLE_QUEUE_STATES = ['completed', 'failed'] as const;
export type CleanableQueueState = (typeof CLEANABLE_QUEUE_STATES)[number];

const count = z.number().int().min(0);

/** `:name` of the queue routes; a name that is not one of ct's queues is a 404. */
export const queueNameSchema = z.string().min(1).max(100);

/** Jobs that finished (per Postgres, the source of truth) within a time window. */
export const finishedInWindowSchema = z.object({ completed: count, failed: count });

/** One queue in `GET /v1/queues`. Figures are queue-wide, for every team: they name no job. */
export const queueSummarySchema = z.object({
  name: z.string(),
  /** How many jobs BullMQ holds in each state. */
  counts: z.object(
    Object.fromEntries(QUEUE_JOB_STATES.map((state) => [state, count])) as {
      [State in QueueJobState]: typeof count;
    },
  ),
  paused: z.boolean(),
  /** Workers whose heartbeat is current and that consume this queue. */
  liveWorkers: count,
  /** Jobs that succeeded (`completed`) or failed in the last 1, 5 and 15 minutes. */
  finished: z.object({
    lastMinute: finishedInWindowSchema,
    last5Minutes: finishedInWindowSchema,
    last15Minutes: finishedInWindowSchema,
  }),
  /** Seconds since the job waiting longest (waiting or prioritized) was added; null when none waits. */
  oldestWaitingAgeSeconds: z.number().min(0).nullable(),
});
export type QueueSummary = z.infer<typeof queueSummarySchema>;

/** Body of `GET /v1/queues`. */
export const queueListSchema = z.object({ items: z.array(queueSummarySchema) });
export type QueueList = z.infer<typeof queueListSchema>;

/** Query of `GET /v1/queues/:name/jobs`. */
export const listQueueJobsQuerySchema = z.strictObject({
  state: z.enum(QUEUE_JOB_STATES),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListQueueJobsQuery = z.output<typeof listQueueJobsQuerySchema>;

/** A job as BullMQ holds it, with what Postgres adds cheaply (pipeline, job state). */
export const queueJobSchema = z.object({
  id: z.string(),
  name: z.string(),
  team: z.string().nullable(),
  /** The pipeline and state of the job row; null when Postgres has no job with this id. */
  pipeline: z.string().nullable(),
  jobState: z.enum(JOB_STATES).nullable(),
  queueState: z.enum(QUEUE_JOB_STATES),
  priority: z.number().int(),
  attemptsMade: z.number().int().min(0),
  addedAt: isoDate,
  processedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  failedReason: z.string().nullable(),
});
export type QueueJob = z.infer<typeof queueJobSchema>;

/**
 * Body of `GET /v1/queues/:name/jobs`: in BullMQ's order, most recent (or last to run) first. The cursor is
 * a position in BullMQ's list, so jobs that move meanwhile may be skipped or shown twice.
 */
export const queueJobPageSchema = z.object({
  items: z.array(queueJobSchema),
  nextCursor: z.string().nullable(),
});
export type QueueJobPage = z.infer<typeof queueJobPageSchema>;

/** Body of `POST /v1/queues/:name/pause` and `/resume`. */
export const queuePausedSchema = z.object({ name: z.string(), paused: z.boolean() });
export type QueuePaused = z.infer<typeof queuePausedSchema>;

/** Body of `POST /v1/queues/:name/clean`: removes BullMQ's finished records only; Postgres keeps the jobs. */
export const cleanQueueSchema = z.strictObject({
  /** Only records that finished at least this long ago. */
  minAgeSeconds: z
    .number()
    .int()
    .min(0)
    .max(365 * 24 * 60 * 60),
  states: z.array(z.enum(CLEANABLE_QUEUE_STATES)).min(1).default(['completed', 'failed']),
  /** At most this many records per state. */
  limit: z.number().int().min(1).max(10_000).default(1000),
});
export type CleanQueue = z.output<typeof cleanQueueSchema>;
export type CleanQueueInput = z.input<typeof cleanQueueSchema>;

export const cleanQueueResultSchema = z.object({
  removed: z.object({ completed: count, failed: count }),
});
export type CleanQueueResult = z.infer<typeof cleanQueueResultSchema>;

/** Body of `POST /v1/queues/:name/retry-failed` (may be omitted): the jobs that failed last go first. */
export const retryFailedSchema = z
  .strictObject({ limit: z.number().int().min(1).max(1000).default(100) })
  .prefault({});
export type RetryFailed = z.output<typeof retryFailedSchema>;

export const retryFailedResultSchema = z.object({
  /** Jobs moved from failed to queued in Postgres and added to the queue again. */
  retried: z.array(z.uuid()),
  /** Jobs that changed state meanwhile, with why they were left alone. */
  skipped: z.array(z.object({ id: z.uuid(), message: z.string() })),
});
export type RetryFailedResult = z.infer<typeof retryFailedResultSchema>;

/** What a live worker publishes in Redis (the registry of workers), refreshed on every heartbeat. */
export const workerRecordSchema = z.object({
  /** Unique per process: host, pid and a random part. */
  id: z.string().min(1),
  host: z.string(),
  pid: z.number().int(),
  concurrency: z.number().int().min(1),
  queues: z.array(z.string()),
  runningJobIds: z.array(z.string()),
  /** CT_CODE_VERSION when set, else the worker package's version. */
  version: z.string(),
  startedAt: isoDate,
  lastHeartbeatAt: isoDate,
  heartbeatIntervalMs: z.number().int().min(1),
});
export type WorkerRecord = z.infer<typeof workerRecordSchema>;

/**
 * Body of `GET /v1/workers`. Every key sees every worker; a non-admin key sees only its own team's job ids
 * in `runningJobIds` (the other slots still count in `busySlots`).
 */
export const workerListSchema = z.object({
  items: z.array(workerRecordSchema.omit({ heartbeatIntervalMs: true }).extend({ busySlots: count })),
});
export type WorkerList = z.infer<typeof workerListSchema>;
export type WorkerInfo = WorkerList['items'][number];

/**
 * Redis keys of the worker registry, under the BullMQ prefix so that deployments (and tests) sharing a Redis
 * stay apart: one key per worker that expires unless refreshed, and a sorted set of worker ids by expiry.
 */
export const workerRegistryKeys = {
  index: (prefix: string): string => `${prefix}:ct-workers`,
  worker: (prefix: string, workerId: string): string => `${prefix}:ct-workers:${workerId}`,
};

/** How many heartbeat intervals a worker record outlives its last heartbeat. */
export const WORKER_HEARTBEAT_TTL_INTERVALS = 3;

/**
 * Why a job is where it is, as `GET /v1/jobs/:id/position` explains it. `dependency_unavailable` and
 * `waiting_for_model` and `team_quota` are a queued job held back without using an attempt: a dependency
 * (MLflow, Postgres) was unreachable, another job of the same registered model is validating or promoting, or
 * the team already had TEAM_MAX_RUNNING_JOBS jobs running.
 */
export const WAIT_REASONS = [
  'running',
  'finished',
  'queue_paused',
  'no_live_worker',
  'waiting_for_worker_slot',
  'delayed_retry',
  'not_in_queue',
  'dependency_unavailable',
  'waiting_for_model',
  'team_quota',
] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

/** Body of `GET /v1/jobs/:id/position`. */
export const jobPositionSchema = z.object({
  jobId: z.uuid(),
  state: z.enum(JOB_STATES),
  /** Where BullMQ holds the job; null when it holds none (the reconciler adds queued ones). */
  queueState: z.enum(QUEUE_JOB_STATES).nullable(),
  /** 1-based place in the order workers take jobs; null unless the job waits. */
  position: z.number().int().min(1).nullable(),
  /** Jobs that workers take before this one; null unless the job waits. */
  waitingAhead: z.number().int().min(0).nullable(),
  queuePaused: z.boolean(),
  liveWorkers: count,
  reason: z.enum(WAIT_REASONS),
  message: z.string(),
});
export type JobPosition = z.infer<typeof jobPositionSchema>;
