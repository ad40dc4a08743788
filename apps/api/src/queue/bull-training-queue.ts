import { type JobPayloads, QueueName } from '@ct/shared';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { withRedis } from '../redis/bounded.js';
import { RedisClients } from '../redis/redis-clients.js';

export type TrainingBullQueue = Queue<JobPayloads['train'], unknown, 'train'>;

const ERROR_LOG_EVERY_MS = 10_000;

/**
 * The API's one BullMQ `Queue` of training jobs, shared by the job use cases ({@link TrainingQueue}), the
 * monitoring API and Bull Board; closed on shutdown.
 */
@Injectable()
export class BullTrainingQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger('TrainingQueue');
  readonly queue: TrainingBullQueue;
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

  /**
   * Runs an operation on the queue, waiting for Redis a bounded time: it fails with `dependency_unavailable`
   * rather than hang a request.
   */
  async run<T>(
    what: string,
    operation: (queue: TrainingBullQueue) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T> {
    return withRedis(
      this.redis,
      `while ${what} in the training queue`,
      () => operation(this.queue),
      timeoutMs,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
