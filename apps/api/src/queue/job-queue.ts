import { type JobKind, queueOfKind, trainingJobOptions } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { BullJobQueues, type JobQueueName } from './bull-job-queues.js';

/** Where a job stands in BullMQ; `missing` when BullMQ has no job with that id. */
export type QueuedJobState =
  | 'waiting'
  | 'prioritized'
  | 'delayed'
  | 'waiting-children'
  | 'active'
  | 'completed'
  | 'failed'
  | 'missing';

/** The fields of a job row that BullMQ needs; its kind says which queue holds it. */
export type Enqueueable = { id: string; team: string; maxAttempts: number; priority: number; kind: JobKind };

/** The queue of a job of this kind. */
export function queueNameOf(kind: JobKind): JobQueueName {
  return queueOfKind(kind).queue as JobQueueName;
}

/**
 * The job queues, as the job use cases use them: each job goes to the queue of its kind (`ct-training`, or
 * `ct-scoring` for score and monitor jobs). Every operation waits for Redis a bounded time and fails with
 * `dependency_unavailable` rather than hang a request.
 */
@Injectable()
export class JobQueue {
  constructor(private readonly bull: BullJobQueues) {}

  /** Adds the job; adding a job whose id BullMQ already holds changes nothing. */
  async add(job: Enqueueable): Promise<void> {
    const { queue, name } = queueOfKind(job.kind);
    await this.bull.run(queue as JobQueueName, 'adding a job', (bull) =>
      bull.add(name, { jobId: job.id, team: job.team }, trainingJobOptions(job)),
    );
  }

  /** Removes the job unless a worker holds it; true when BullMQ no longer has it. */
  async remove(jobId: string, kind: JobKind = 'train'): Promise<boolean> {
    return (await this.bull.run(queueNameOf(kind), 'removing a job', (queue) => queue.remove(jobId))) === 1;
  }

  /** Replaces a finished BullMQ job by a new one with the same id (a retry); false if a worker holds it. */
  async replace(job: Enqueueable): Promise<boolean> {
    if (!(await this.remove(job.id, job.kind))) return false;
    await this.add(job);
    return true;
  }

  async getState(jobId: string, kind: JobKind = 'train'): Promise<QueuedJobState> {
    const state = await this.bull.run(queueNameOf(kind), 'reading a job state', (queue) =>
      queue.getJobState(jobId),
    );
    return state === 'unknown' ? 'missing' : state;
  }

  /** How many jobs BullMQ holds in each state, in the queue `name`. */
  async counts(name: JobQueueName): Promise<Record<string, number>> {
    return this.bull.run(name, 'counting jobs', (queue) => queue.getJobCounts());
  }
}
