import { JOB_CANCEL_CHANNEL, jobEventsChannel } from '@ct/shared';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { describeError } from '../errors/infrastructure-error.js';
import { RedisConnection } from './redis-connection.js';
import { withTimeout } from './with-timeout.js';

const PUBLISH_TIMEOUT_MS = 2_000;

/** Redis pub/sub for jobs: wake-ups for the API's event streams out, cancel requests in. */
@Injectable()
export class JobChannels implements OnApplicationShutdown {
  private readonly logger = new Logger(JobChannels.name);
  private readonly publisher: Redis;
  private subscriber: Redis | null = null;

  constructor(private readonly connection: RedisConnection) {
    // Wake-ups fail fast while Redis is away instead of queueing up: the events are in Postgres already.
    this.publisher = this.own(
      connection.redis.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    );
  }

  /** Tells listeners that the job has a new event with this id (they read it from Postgres). */
  async publishEvent(jobId: string, eventId: string): Promise<void> {
    await withTimeout(
      this.publisher.publish(jobEventsChannel(jobId), eventId),
      PUBLISH_TIMEOUT_MS,
      'a wake-up',
    );
  }

  /** Calls `handler` with the job id of every cancel request, on one subscriber connection for all jobs. */
  listenForCancels(handler: (jobId: string) => void): void {
    const subscriber = this.own(this.connection.redis.duplicate());
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === JOB_CANCEL_CHANNEL) handler(message.trim());
    });
    // Subscriptions are renewed by ioredis after a reconnect.
    subscriber.subscribe(JOB_CANCEL_CHANNEL).then(
      () => this.logger.log(`listening for cancel requests on ${JOB_CANCEL_CHANNEL}`),
      (error: unknown) => this.logger.error(`cannot listen for cancel requests: ${describeError(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map((client) => client && close(client)));
  }

  private own(client: Redis): Redis {
    // RedisConnection already reports Redis being away; these connections follow it.
    client.on('error', () => undefined);
    if (client.status === 'wait') client.connect().catch(() => undefined);
    return client;
  }
}

async function close(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}
