import { JobLifecycle } from '@ct/db';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobChannels } from '../redis/job-channels.js';

/**
 * The job's event streams learn of every state change: each move committed through the {@link JobLifecycle}
 * (the API's, whatever module made it) wakes them. A new job's first event is stored with its row
 * (`JobStore.createWithinQuota`).
 */
@Injectable()
export class JobStateEvents implements OnModuleInit {
  constructor(
    private readonly channels: JobChannels,
    private readonly lifecycle: JobLifecycle,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onMoved((moved) => this.channels.eventsAppended(moved.job.id));
  }
}
