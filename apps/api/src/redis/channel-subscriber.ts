import { Injectable, Logger } from '@nestjs/common';
import { RedisClients } from './redis-clients.js';

type Listener = () => void;

/**
 * Pub/sub over the one subscriber connection: a channel is subscribed while at least one listener wants
 * it. Subscriptions made while Redis is down go out once it is back (ioredis also re-subscribes after a
 * reconnect); callers must not rely on messages alone.
 */
@Injectable()
export class ChannelSubscriber {
  private readonly logger = new Logger(ChannelSubscriber.name);
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly redis: RedisClients) {
    redis.subscriber.on('message', (channel: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener();
    });
  }

  /** Calls `listener` on every message on `channel` until the returned function is called. */
  subscribe(channel: string, listener: Listener): () => void {
    let listeners = this.listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(channel, listeners);
      this.redis.subscriber
        .subscribe(channel)
        .catch((error: Error) => this.failed('subscribe', channel, error));
    }
    listeners.add(listener);
    return () => this.unsubscribe(channel, listener);
  }

  /** How many channels are subscribed (for tests). */
  get channelCount(): number {
    return this.listeners.size;
  }

  private unsubscribe(channel: string, listener: Listener): void {
    const listeners = this.listeners.get(channel);
    if (!listeners?.delete(listener) || listeners.size > 0) return;
    this.listeners.delete(channel);
    this.redis.subscriber
      .unsubscribe(channel)
      .catch((error: Error) => this.failed('unsubscribe', channel, error));
  }

  private failed(action: string, channel: string, error: Error): void {
    // Listeners still poll; a lost subscription only makes their updates slower.
    this.logger.warn(`could not ${action} ${channel}: ${error.message}`);
  }
}
