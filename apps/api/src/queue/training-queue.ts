import { type JobPayloads, QueueName, trainingJobOptions } from '@ct/shared';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { ApiError } from '../errors/api-error.js';
import { bounded } from '../redis/bounded.js';
import { RedisClients } from '../redis/redis-clients.js';

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

const ERROR_LOG_EVERY_MS = 10_000;

/**
 * The training queue, as the API uses it. The only place in the API that touches BullMQ; every operation
 * waits for Redis a bounded time and fails with `dependency_unavailable` rather than hang a request.
 */
@Injectable()
export class TrainingQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger(TrainingQueue.name);
  private readonly queue: Queue<JobPayloads['train'], unknown, 'train'>;
  private lastErrorLog = 0;

  constructor(
    private readonly redis: RedisClients,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.queue = new Queue(QueueName.Training, { connection: redis.commands, prefix: config.bullmqPrefix });
    this.queue.on('error', (error) => {
      if (Date.now() - this.lastErrorLog < ERROR_LOG_EVERY_MS) return;
      this.lastErrorLog = Date.now();
      this.logger.warn(`training queue: ${error.message}`);
    });
  }

  /** Adds the job; adding a job whose id BullMQ already holds changes nothing. */
  async add(job: Enqueueable): Promise<void> {
    await this.bounded(
      () => this.queue.add('train', { jobId: job.id, team: job.team }, trainingJobOptions(job)),
      'adding a job',
    );
  }

  /** Removes the job unless a worker holds it; true when BullMQ no longer has it. */
  async remove(jobId: string): Promise<boolean> {
    return (await this.bounded(() => this.queue.remove(jobId), 'removing a job')) === 1;
  }

  /** Replaces a finished BullMQ job by a new one with the same id (a retry); false if a worker holds it. */
  async replace(job: Enqueueable): Promise<boolean> {
    if (!(await this.remove(job.id))) return false;
    await this.add(job);
    return true;
  }

  async getState(jobId: string): Promise<QueuedJobState> {
    const state = await this.bounded(() => this.queue.getJobState(jobId), 'reading a job state');
    return state === 'unknown' ? 'missing' : state;
  }

  /** How many jobs BullMQ holds in each state. */
  async counts(): Promise<Record<string, number>> {
    return this.bounded(() => this.queue.getJobCounts(), 'counting jobs');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  private async bounded<T>(operation: () => Promise<T>, what: string): Promise<T> {
    const where = `while ${what} in the training queue`;
    // Fail at once while Redis is known to be down, rather than wait out the timeout on every request.
    if (!this.redis.commandsUsable)
      throw new ApiError('dependency_unavailable', `Redis is unreachable ${where}`);
    return bounded(operation(), where, () => this.redis.commandsUsable);
  }
}
