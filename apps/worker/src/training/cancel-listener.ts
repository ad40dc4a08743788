import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JobChannels } from '../redis/job-channels.js';
import { RunningJobs } from './running-jobs.js';

/** Stops a job this worker runs when the API publishes its id on the cancel channel. */
@Injectable()
export class CancelListener implements OnApplicationBootstrap {
  constructor(
    private readonly channels: JobChannels,
    private readonly running: RunningJobs,
  ) {}

  onApplicationBootstrap(): void {
    this.channels.listenForCancels((jobId) => {
      if (this.running.stop(jobId, 'user')) new Logger(`job ${jobId}`).log('cancel requested: stopping');
    });
  }
}
