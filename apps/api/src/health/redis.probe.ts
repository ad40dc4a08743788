import { Redis } from 'ioredis';
import type { DependencyProbe } from './dependency-probe.js';

/** PINGs Redis over one long-lived connection that reconnects on its own. */
export class RedisProbe implements DependencyProbe {
  readonly name = 'redis' as const;
  private readonly client: Redis;

  constructor(url: string, timeoutMs: number) {
    this.client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      // Fail a check at once while disconnected instead of queueing it until Redis returns.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => Math.min(timeoutMs, 1000),
    });
    // Connection errors surface through check(); without a listener ioredis would report them as unhandled.
    this.client.on('error', () => undefined);
  }

  async check(): Promise<void> {
    if (this.client.status === 'wait') await this.client.connect();
    const reply = await this.client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected reply to PING: ${reply}`);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
