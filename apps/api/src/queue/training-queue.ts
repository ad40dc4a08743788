import { trainingJobOptions } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { BullTrainingQueue } from './bull-training-queue.js';

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

/** The fields of a job row that BullMQ needs. */
export type Enqueueable = { id: string; team: string; maxAttempts: number; priority: number };

/**
 * The training queue, as the job use cases use it. Every operation waits for Redis a bounded time and fails
 * with `dependency_unavailable` rather than hang a request.
 */
@Injectable()
export class TrainingQueue {
  constructor(private readonly bull: BullTrainingQueue) {}

  /** Adds the job; adding a job whose id BullMQ already holds changes nothing. */
  async add(job: Enqueueable): Promise<void> {
    await this.bull.run('adding a job', (queue) =>
      queue.add('train', { jobId: job.id, team: job.team }, trainingJobOptions(job)),
    );
  }

  /** Removes the job unless a worker holds it; true when BullMQ no longer has it. */
  async remove(jobId: string): Promise<boolean> {
    return (await this.bull.run('removing a job', (queue) => queue.remove(jobId))) === 1;
  }

  /** Replaces a finished BullMQ job by a new one with the same id (a retry); false if a worker holds it. */
  async replace(job: Enqueueable): Promise<boolean> {
    if (!(await this.remove(job.id))) return false;
    await this.add(job);
    return true;
  }

  async getState(jobId: string): Promise<QueuedJobState> {
    const state = await this.bull.run('reading a job state', (queue) => queue.getJobState(jobId));
    return state === 'unknown' ? 'missing' : state;
  }

  /** How many jobs BullMQ holds in each state. */
  async counts(): Promise<Record<string, number>> {
    return this.bull.run('counting jobs', (queue) => queue.getJobCounts());
  }
}
