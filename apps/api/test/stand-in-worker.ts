import { randomUUID } from 'node:crypto';
import { QueueName } from '@ct/shared';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { TestApi } from './harness.js';

/**
 * A BullMQ worker on a test API's queue that takes jobs by hand, one at a time, and then does to each what a
 * real worker (or BullMQ on its behalf) would have: keep it active, complete it, or fail it for good.
 */
export class StandInWorker {
  private constructor(
    private readonly connection: Redis,
    private readonly worker: Worker,
  ) {}

  static open(api: TestApi): StandInWorker {
    const connection = new Redis(api.config.redisUrl, { maxRetriesPerRequest: null });
    const worker = new Worker(QueueName.Training, null, {
      connection,
      prefix: api.config.bullmqPrefix,
      autorun: false,
    });
    return new StandInWorker(connection, worker);
  }

  /** Takes the next job, which must be `id` (the test's queue holds nothing before it): it is active now. */
  async take(id: string): Promise<{ job: Job; token: string }> {
    const token = randomUUID();
    const job = await this.worker.getNextJob(token, { block: false });
    if (job?.id !== id) throw new Error(`expected to take job ${id}, took ${job?.id ?? 'nothing'}`);
    return { job, token };
  }

  /** Fails `id` with no retry left, as BullMQ does to a job that stalled too often. */
  async fail(id: string): Promise<void> {
    const { job, token } = await this.take(id);
    await job.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), token, false);
  }

  async complete(id: string): Promise<void> {
    const { job, token } = await this.take(id);
    await job.moveToCompleted('done', token, false);
  }

  async close(): Promise<void> {
    await this.worker.close();
    this.connection.disconnect();
  }
}
