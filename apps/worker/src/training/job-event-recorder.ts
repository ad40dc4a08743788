import type { FailureReason, JobEventBody, JobState } from '@ct/shared';
import { Injectable, Logger } from '@nestjs/common';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { JobChannels } from '../redis/job-channels.js';

/** Stores a job's events in Postgres, then wakes the API's event streams up through Redis. */
@Injectable()
export class JobEventRecorder {
  constructor(
    private readonly db: Database,
    private readonly channels: JobChannels,
  ) {}

  async record(jobId: string, attempt: number, body: JobEventBody): Promise<void> {
    const stored = await this.db.events.append(jobId, attempt, body);
    try {
      await this.channels.publishEvent(jobId, stored.id);
    } catch (error) {
      // The event is stored: a stream that missed the wake-up still finds it on its next read.
      new Logger(`job ${jobId}`).warn(
        `event ${stored.id} stored, but no wake-up sent: ${describeError(error)}`,
      );
    }
  }

  state(
    jobId: string,
    attempt: number,
    state: JobState,
    failureReason: FailureReason | null = null,
    message: string | null = null,
  ): Promise<void> {
    return this.record(jobId, attempt, { type: 'state', state, failureReason, message });
  }
}
