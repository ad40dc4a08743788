import { hostname } from 'node:os';
import { LogThrottle } from '@ct/shared/runtime';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';

const QUIT_TIMEOUT_MS = 2_000;

/**
 * The API's two Redis connections: one for commands (BullMQ's queue, PUBLISH) and one in subscriber mode
 * for the SSE wake-ups. Neither is awaited at start-up: the API serves (and accepts jobs into Postgres)
 * while Redis is down, and both reconnect on their own.
 */
@Injectable()
export class RedisClients implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly errorLog = new LogThrottle();
  readonly commands: Redis;
  readonly subscriber: Redis;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    const name = `ct-api:${hostname()}:${process.pid}`;
    // A command sent while disconnected waits for two reconnection attempts, then fails.
    this.commands = this.connect(config.redisUrl, { connectionName: name, maxRetriesPerRequest: 2 });
    this.subscriber = this.connect(config.redisUrl, {
      connectionName: `${name}:sub`,
      maxRetriesPerRequest: null,
    });
  }

  /** Whether a command could be sent now; false once a connection attempt has failed. */
  get commandsUsable(): boolean {
    return !['reconnecting', 'close', 'end'].includes(this.commands.status);
  }

  private connect(url: string, options: { connectionName: string; maxRetriesPerRequest: number | null }) {
    const client = new Redis(url, { ...options, retryStrategy: (attempt) => Math.min(attempt * 200, 2_000) });
    client.on('error', (error: Error) => {
      if (this.errorLog.allow()) this.logger.warn(`Redis connection problem (retrying): ${error.message}`);
    });
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([close(this.commands), close(this.subscriber)]);
  }
}

async function close(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const timer = setTimeout(() => client.disconnect(), QUIT_TIMEOUT_MS);
  try {
    await client.quit();
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
