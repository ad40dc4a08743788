import { JOB_CANCEL_CHANNEL, jobEventsChannel } from '@ct/shared';
import { Injectable, Logger } from '@nestjs/common';
import { bounded } from './bounded.js';
import { RedisClients } from './redis-clients.js';

/**
 * Redis pub/sub for jobs, the API's end (the worker's `JobChannels` is the other): cancel requests out to
 * workers, wake-ups out to the API's own event streams.
 */
@Injectable()
export class JobChannels {
  private readonly logger = new Logger(JobChannels.name);

  constructor(private readonly redis: RedisClients) {}

  /** Asks the worker running `jobId` to stop it. @throws DependencyUnavailableError. */
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
