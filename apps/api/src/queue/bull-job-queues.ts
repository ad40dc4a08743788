import { type JobPayloads, QueueName } from '@ct/shared';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { withRedis } from '../redis/bounded.js';
import { RedisClients } from '../redis/redis-clients.js';

/** The queues that hold jobs (a Postgres row each): training, and scoring with monitoring. */
export const JOB_QUEUES = [QueueName.Training, QueueName.Scoring] as const;
export type JobQueueName = (typeof JOB_QUEUES)[number];

/** A BullMQ queue of jobs; every job name of them carries the same payload (the row holds the rest). */
export type JobBullQueue = Queue<JobPayloads['train'], unknown, 'train' | 'score' | 'monitor'>;

const ERROR_LOG_EVERY_MS = 10_000;

/**
 * The API's BullMQ `Queue`s of jobs, one per job queue, shared by the job use cases ({@link JobQueue}), the
 * monitoring API and Bull Board; closed on shutdown.
 */
@Injectable()
export class BullJobQueues implements BeforeApplicationShutdown {
  private readonly logger = new Logger('JobQueues');
  private readonly queues: ReadonlyMap<JobQueueName, JobBullQueue>;
  private lastErrorLog = 0;

  constructor(
    private readonly redis: RedisClients,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.queues = new Map(
      JOB_QUEUES.map((name) => {
        const queue: JobBullQueue = new Queue(name, {
          connection: redis.commands,
          prefix: config.bullmqPrefix,
        });
        queue.on('error', (error) => this.warn(`${name} queue: ${error.message}`));
        return [name, queue];
      }),
    );
  }

  queue(name: JobQueueName): JobBullQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no job queue ${name}`);
    return queue;
  }

  /**
   * Runs an operation on the queue, waiting for Redis a bounded time: it fails with `dependency_unavailable`
   * rather than hang a request.
   */
  async run<T>(
    name: JobQueueName,
    what: string,
    operation: (queue: JobBullQueue) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T> {
    return withRedis(
      this.redis,
      `while ${what} in the ${name} queue`,
      () => operation(this.queue(name)),
      timeoutMs,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  private warn(message: string): void {
    if (Date.now() - this.lastErrorLog < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLog = Date.now();
    this.logger.warn(message);
  }
}
