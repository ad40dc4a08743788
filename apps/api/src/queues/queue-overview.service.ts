import { JobStatsStore } from '@ct/db';
import type { QueueList, QueueSummary } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { TrainingQueueMonitor } from '../queue/training-queue-monitor.js';
import { WorkerRegistry } from './worker-registry.js';

const WINDOWS_SECONDS = [60, 5 * 60, 15 * 60] as const;

/** `GET /v1/queues`: queue-wide figures (they name no job, so every key sees them). */
@Injectable()
export class QueueOverviewService {
  constructor(
    private readonly monitor: TrainingQueueMonitor,
    private readonly workers: WorkerRegistry,
    private readonly stats: JobStatsStore,
  ) {}

  async list(): Promise<QueueList> {
    return { items: [await this.summary()] };
  }

  private async summary(): Promise<QueueSummary> {
    const name = this.monitor.name;
    const [counts, paused, workers, oldest, finished] = await Promise.all([
      this.monitor.counts(),
      this.monitor.isPaused(),
      this.workers.live(name),
      this.monitor.oldestWaitingAddedAt(),
      // Postgres, not BullMQ: its rows outlive BullMQ's finished records (`clean`, removeOn*).
      this.stats.finishedWithin(WINDOWS_SECONDS),
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
