import { JobStatsStore } from '@ct/db';
import { JOB_KINDS, type QueueList, type QueueSummary } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import type { JobQueueName } from '../queue/bull-job-queues.js';
import { queueNameOf } from '../queue/job-queue.js';
import { QueueMonitor } from '../queue/queue-monitor.js';
import { WorkerRegistry } from './worker-registry.js';

const WINDOWS_SECONDS = [60, 5 * 60, 15 * 60] as const;

/** The kinds of the jobs a queue holds. */
function kindsOf(name: JobQueueName) {
  return JOB_KINDS.filter((kind) => queueNameOf(kind) === name);
}

/** `GET /v1/queues`: queue-wide figures (they name no job, so every key sees them). */
@Injectable()
export class QueueOverviewService {
  constructor(
    private readonly monitor: QueueMonitor,
    private readonly workers: WorkerRegistry,
    private readonly stats: JobStatsStore,
  ) {}

  async list(): Promise<QueueList> {
    return { items: await Promise.all(this.monitor.names.map((name) => this.summary(name))) };
  }

  private async summary(name: JobQueueName): Promise<QueueSummary> {
    const [counts, paused, workers, oldest, finished] = await Promise.all([
      this.monitor.counts(name),
      this.monitor.isPaused(name),
      this.workers.live(name),
      this.monitor.oldestWaitingAddedAt(name),
      // Postgres, not BullMQ: its rows outlive BullMQ's finished records (`clean`, removeOn*).
      this.stats.finishedWithin(WINDOWS_SECONDS, kindsOf(name)),
    ]);
    const [lastMinute, last5Minutes, last15Minutes] = finished;
    const none = { completed: 0, failed: 0 };
    return {
      name,
      counts,
      paused,
      liveWorkers: workers.length,
      finished: {
        lastMinute: lastMinute ?? none,
        last5Minutes: last5Minutes ?? none,
        last15Minutes: last15Minutes ?? none,
      },
      oldestWaitingAgeSeconds: oldest === null ? null : Math.max(0, (Date.now() - oldest) / 1000),
    };
  }
}
