import { type FinishedCounts, JobStatsStore } from '@ct/db';
import { JOB_KINDS, type QueueList, type QueueSummary } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { type JobQueueName, queueNameOf } from './job-queues.js';
import { QueueMonitor } from './queue-monitor.js';
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
    // Read once for all the queues: the live workers (each says which queues it takes) and Postgres' counts.
    const [workers, finished] = await Promise.all([
      this.workers.live(),
      // Postgres, not BullMQ: its rows outlive BullMQ's finished records (`clean`, removeOn*).
      this.stats.finishedByKind(WINDOWS_SECONDS),
    ]);
    const items = this.monitor.names.map(async (name): Promise<QueueSummary> => {
      const [counts, paused, oldest] = await Promise.all([
        this.monitor.counts(name),
        this.monitor.isPaused(name),
        this.monitor.oldestWaitingAddedAt(name),
      ]);
      const within = (index: number) => sumOf(kindsOf(name).map((kind) => finished.get(kind)?.[index]));
      return {
        name,
        counts,
        paused,
        liveWorkers: workers.filter((worker) => worker.queues.includes(name)).length,
        finished: { lastMinute: within(0), last5Minutes: within(1), last15Minutes: within(2) },
        oldestWaitingAgeSeconds: oldest === null ? null : Math.max(0, (Date.now() - oldest) / 1000),
      };
    });
    return { items: await Promise.all(items) };
  }
}

/** Finished counts added up (a missing one counts none). */
function sumOf(counts: readonly (FinishedCounts | undefined)[]): FinishedCounts {
  return counts.reduce<FinishedCounts>(
    (sum, count) => ({
      completed: sum.completed + (count?.completed ?? 0),
      failed: sum.failed + (count?.failed ?? 0),
    }),
    { completed: 0, failed: 0 },
  );
}
