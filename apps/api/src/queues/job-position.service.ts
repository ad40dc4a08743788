import type { JobPosition } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { JobQueriesService } from '../jobs/job-queries.service.js';
import { explainPosition } from './job-position.js';
import { JobQueues, queueNameOf } from './job-queues.js';
import { QueueMonitor } from './queue-monitor.js';
import { WorkerRegistry } from './worker-registry.js';

/** `GET /v1/jobs/:id/position`: where a job stands in the queue, and why it has not started. */
@Injectable()
export class JobPositionService {
  constructor(
    private readonly queries: JobQueriesService,
    private readonly queue: JobQueues,
    private readonly monitor: QueueMonitor,
    private readonly workers: WorkerRegistry,
  ) {}

  async position(principal: Principal, jobId: string): Promise<JobPosition> {
    const job = await this.queries.visibleRow(principal, jobId);
    // A score or monitor job waits in ct-scoring, for the workers that consume it.
    const queue = queueNameOf(job.kind);
    const [queueState, queuePaused, workers] = await Promise.all([
      this.queue.getState(jobId, job.kind),
      this.monitor.isPaused(queue),
      this.workers.live(queue),
    ]);
    const waits = queueState === 'waiting' || queueState === 'prioritized';
    const place = waits && job.state === 'queued' ? await this.monitor.waitingPlace(queue, jobId) : null;
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
