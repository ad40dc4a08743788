import { EventStore, type JobEntity, JobLifecycle } from '@ct/db';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobSignals } from '../redis/job-signals.js';

/**
 * The job's event streams learn of every state change: each move committed through the {@link JobLifecycle}
 * (the API's, whatever module made it) wakes them; a new job's first event is written here.
 */
@Injectable()
export class JobStateEvents implements OnModuleInit {
  constructor(
    private readonly events: EventStore,
    private readonly signals: JobSignals,
    private readonly lifecycle: JobLifecycle,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onMoved((moved) => this.signals.eventsAppended(moved.job.id));
  }

  /** A job is created queued rather than moved there: its `state` event is stored with it here. */
  async submitted(job: JobEntity): Promise<void> {
    await this.events.append(job.id, job.attempts, {
      type: 'state',
      state: job.state,
      failureReason: job.failureReason,
      message: 'submitted',
    });
    await this.signals.eventsAppended(job.id);
  }
}
