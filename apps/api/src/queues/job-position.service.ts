import type { JobPosition } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { JobQueriesService } from '../jobs/job-queries.service.js';
import { TrainingQueue } from '../queue/training-queue.js';
import { TrainingQueueMonitor } from '../queue/training-queue-monitor.js';
import { explainPosition } from './job-position.js';
import { WorkerRegistry } from './worker-registry.js';

/** `GET /v1/jobs/:id/position`: where a job stands in the queue, and why it has not started. */
@Injectable()
export class JobPositionService {
  constructor(
    private readonly queries: JobQueriesService,
    private readonly queue: TrainingQueue,
    private readonly monitor: TrainingQueueMonitor,
    private readonly workers: WorkerRegistry,
  ) {}

  async position(principal: Principal, jobId: string): Promise<JobPosition> {
    const job = await this.queries.visibleRow(principal, jobId);
    const [queueState, queuePaused, workers] = await Promise.all([
      this.queue.getState(jobId),
      this.monitor.isPaused(),
      this.workers.live(this.monitor.name),
    ]);
    const waits = queueState === 'waiting' || queueState === 'prioritized';
    const place = waits && job.state === 'queued' ? await this.monitor.waitingPlace(jobId) : null;
    return explainPosition({
      jobId,
      state: job.state,
      queueState,
      place,
      queuePaused,
      liveWorkers: workers.length,
      waitReason: job.waitReason,
      waitingSince: job.waitingSince,
      slots: workers.reduce((sum, worker) => sum + worker.concurrency, 0),
      busySlots: workers.reduce((sum, worker) => sum + worker.runningJobIds.length, 0),
    });
  }
}
