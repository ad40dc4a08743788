import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { JobChannels } from '../redis/job-channels.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { type JobControl, RunningJobs } from './running-jobs.js';

const ROW_POLL_MS = 3_000;

/**
 * How a cancel request reaches a job this worker runs: the API publishes its id on the cancel channel (the
 * fast path), and while its child runs the job's row is read every few seconds too, which catches a request
 * published while Redis was away.
 */
@Injectable()
export class CancelListener implements OnApplicationBootstrap {
  constructor(
    private readonly channels: JobChannels,
    private readonly running: RunningJobs,
    private readonly db: Database,
  ) {}

  onApplicationBootstrap(): void {
    this.channels.listenForCancels((jobId) => {
      if (this.running.stop(jobId, 'user')) new Logger(`job ${jobId}`).log('cancel requested: stopping');
    });
  }

  /** Reads the job's row for a cancel request now and every few seconds, until the returned stop is called. */
  watchRow(jobId: string, control: JobControl, recorder: AttemptRecorder): () => void {
    void this.readRow(jobId, control, recorder);
    const poll = setInterval(() => void this.readRow(jobId, control, recorder), ROW_POLL_MS);
    return () => clearInterval(poll);
  }

  private async readRow(jobId: string, control: JobControl, recorder: AttemptRecorder): Promise<void> {
    try {
      const job = await this.db.jobs.get(jobId);
      if (job?.cancelRequestedAt && control.stop('user')) recorder.system('cancel requested: stopping');
    } catch (error) {
      recorder.warning(`cannot check for a cancel request: ${describeError(error)}`);
    }
  }
}
