import { EventStore, type JobEntity } from '@ct/db';
import { Injectable } from '@nestjs/common';
import { JobSignals } from '../redis/job-signals.js';

/** Every state change the API makes is stored as a `state` event, and the job's event streams woken. */
@Injectable()
export class JobStateEvents {
  constructor(
    private readonly events: EventStore,
    private readonly signals: JobSignals,
  ) {}

  async record(job: JobEntity, message: string | null): Promise<void> {
    await this.events.append(job.id, job.attempts, {
      type: 'state',
      state: job.state,
      failureReason: job.failureReason,
      message,
    });
    await this.signals.eventsAppended(job.id);
  }
}
