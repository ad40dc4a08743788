import { JobLifecycle } from '@ct/db';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobSignals } from '../redis/job-signals.js';

/**
 * The job's event streams learn of every state change: each move committed through the {@link JobLifecycle}
 * (the API's, whatever module made it) wakes them. A new job's first event is stored with its row
 * (`JobStore.createWithinQuota`).
 */
@Injectable()
export class JobStateEvents implements OnModuleInit {
  constructor(
    private readonly signals: JobSignals,
    private readonly lifecycle: JobLifecycle,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onMoved((moved) => this.signals.eventsAppended(moved.job.id));
  }
}
