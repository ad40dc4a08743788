import type { JobKind } from '../jobs/job-kind.js';

/**
 * BullMQ queue names. Renaming one strands the jobs in the old queue: drain it first, or let the reconciler
 * re-enqueue them from Postgres after the rename.
 */
export enum QueueName {
  Training = 'ct-training',
  /** The ticks of registered pipelines' schedules (BullMQ job schedulers); the API consumes them. */
  Triggers = 'ct-triggers',
  /** Score and monitor jobs: short and many, kept apart so that they never wait behind training. */
  Scoring = 'ct-scoring',
}

/**
 * Job names within the queues, each with its payload: producers and processors both type a job's data as
 * `JobPayloads[Name]`, so that they compile against the same shape.
 */
export interface JobPayloads {
  /** Postgres holds the job; the worker loads it and validates its spec again. */
  train: { jobId: string; team: string };
  /** A scoring job: its request is the job row's `task`. */
  score: { jobId: string; team: string };
  /** A monitoring job: its window is the job row's `task`. */
  monitor: { jobId: string; team: string };
  /** A schedule tick of a registered pipeline; the tick's time is in the BullMQ job id. */
  'pipeline-tick': { pipelineId: string };
  /** A monitoring schedule tick of a registered pipeline (scheduler `monitor:<pipeline id>`). */
  'monitor-tick': { pipelineId: string };
}

/** The queue and BullMQ job name of a job of this kind. */
export function queueOfKind(kind: JobKind): { queue: QueueName; name: 'train' | 'score' | 'monitor' } {
  return kind === 'train'
    ? { queue: QueueName.Training, name: 'train' }
    : { queue: QueueName.Scoring, name: kind };
}

/** Channel on which workers publish job events for the API's SSE streams. */
export function jobEventsChannel(jobId: string): string {
  return `ct:job-events:${jobId}`;
}

/** Channel on which the API asks workers to stop a running job; the message is the job id. */
export const JOB_CANCEL_CHANNEL = 'ct:job-cancel';

/** Base delay of the exponential backoff between automatic retries (infrastructure failures only). */
export const RETRY_BACKOFF_MS = 2_000;

/**
 * BullMQ options for a training job: the job id as BullMQ's jobId (adding twice is harmless), attempts
 * and backoff for infrastructure retries, finished jobs kept for a day (completed) or a week (failed).
 */
export function trainingJobOptions(job: { id: string; maxAttempts: number; priority: number }) {
  return {
    jobId: job.id,
    attempts: job.maxAttempts,
    backoff: { type: 'exponential' as const, delay: RETRY_BACKOFF_MS },
    priority: job.priority,
    removeOnComplete: { age: 24 * 60 * 60 },
    removeOnFail: { age: 7 * 24 * 60 * 60 },
  };
}
