import type { JobMoved } from '@ct/db';
import type { JobEventBody } from '@ct/shared';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { JobChannels } from '../redis/job-channels.js';

/**
 * Stores a running attempt's events in Postgres (fenced: a stale attempt's are refused), then wakes the
 * API's event streams up through Redis; also wakes them after every state move the worker commits.
 */
@Injectable()
export class JobEventRecorder implements OnModuleInit {
  constructor(
    private readonly db: Database,
    private readonly channels: JobChannels,
  ) {}

  onModuleInit(): void {
    this.db.lifecycle.onMoved((moved: JobMoved) => this.wake(moved.job.id, moved.event.id));
    this.db.lifecycle.onListenerError = (error) =>
      new Logger(JobEventRecorder.name).warn(`after a job move: ${describeError(error)}`);
  }

  /** False when the attempt is no longer the job's running one: the event was refused. */
  async record(jobId: string, attempt: number, body: JobEventBody): Promise<boolean> {
    const stored = await this.db.events.appendFenced(jobId, attempt, body);
    if (stored === null) return false;
    await this.wake(jobId, stored.id);
    return true;
  }

  private async wake(jobId: string, eventId: string): Promise<void> {
    try {
      await this.channels.publishEvent(jobId, eventId);
    } catch (error) {
      // The event is stored: a stream that missed the wake-up still finds it on its next read.
      new Logger(`job ${jobId}`).warn(
        `event ${eventId} stored, but no wake-up sent: ${describeError(error)}`,
      );
    }
  }
}
