import { JOB_CANCEL_CHANNEL, jobEventsChannel } from '@ct/shared';
import { Injectable, Logger } from '@nestjs/common';
import { bounded } from './bounded.js';
import { RedisClients } from './redis-clients.js';

/** Messages from the API to workers and to the API's own event streams, over Redis pub/sub. */
@Injectable()
export class JobSignals {
  private readonly logger = new Logger(JobSignals.name);

  constructor(private readonly redis: RedisClients) {}

  /** Asks the worker running `jobId` to stop it. @throws ApiError `dependency_unavailable`. */
  async requestCancel(jobId: string): Promise<void> {
    await bounded(
      this.redis.commands.publish(JOB_CANCEL_CHANNEL, jobId),
      'while asking workers to cancel the job',
      () => this.redis.commandsUsable,
    );
  }

  /** Tells event streams of `jobId` that new events are stored. Best effort: streams also poll. */
  async eventsAppended(jobId: string): Promise<void> {
    if (!this.redis.commandsUsable) return;
    try {
      await bounded(
        this.redis.commands.publish(jobEventsChannel(jobId), 'appended'),
        'while waking event streams',
        () => false,
      );
    } catch (error) {
      this.logger.warn(`event wake-up for job ${jobId} not sent: ${(error as Error).message}`);
    }
  }
}
