import { hostname } from 'node:os';
import { LogThrottle } from '@ct/shared/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { redactedUrl, WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';

/**
 * The worker's connection to Redis. Start-up does not wait for Redis: the worker keeps retrying, says so,
 * and still stops cleanly on SIGTERM while it waits.
 */
@Injectable()
export class RedisConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnection.name);
  private readonly client: Redis;
  private readonly retryLog = new LogThrottle();

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {
    this.client = new Redis(config.redisUrl, {
      lazyConnect: true,
      connectionName: `ct-worker:${hostname()}:${process.pid}`,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
  }

  get redis(): Redis {
    return this.client;
  }

  onApplicationBootstrap(): void {
    const target = redactedUrl(this.config.redisUrl);
    this.client.on('ready', () => this.logger.log(`worker ready: connected to Redis at ${target}`));
    this.client.on('error', (error: Error) => {
      if (this.retryLog.allow()) this.logger.warn(`waiting for Redis at ${target}: ${error.message}`);
    });
    this.logger.log(`connecting to Redis at ${target}`);
    // Failures are reported by the 'error' listener and retried by retryStrategy.
    this.client.connect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client.status === 'ready') await this.client.quit();
    else this.client.disconnect();
    this.logger.log('disconnected from Redis');
  }
}
