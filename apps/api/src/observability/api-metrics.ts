import { counter, gauge, histogram, ServiceMetrics } from '@ct/shared/runtime';
import { Injectable } from '@nestjs/common';
import { JOB_QUEUES } from '../queues/job-queues.js';
import { QueueMonitor } from '../queues/queue-monitor.js';
import { WorkerRegistry } from '../queues/worker-registry.js';

/**
 * The API's Prometheus metrics. Queue depth and live workers are read from Redis at scrape time; when Redis
 * does not answer, those series are left out and `ct_queue_reachable` says 0, rather than the scrape failing.
 */
@Injectable()
export class ApiMetrics extends ServiceMetrics {
  private readonly metrics = this.inRegistry({
    httpDuration: histogram({
      name: 'ct_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    submitted: counter({
      name: 'ct_jobs_submitted_total',
      help: 'Jobs accepted by the API (an idempotent resubmission counts once)',
      labelNames: ['team', 'pipeline'],
    }),
    firings: counter({
      name: 'ct_trigger_firings_total',
      help: 'Trigger firings of registered pipelines, by kind and outcome (reason: why one started no run)',
      labelNames: ['team', 'kind', 'outcome', 'reason'],
    }),
    reachable: gauge({
      name: 'ct_queue_reachable',
      help: '1 when the last scrape could read the queue from Redis, 0 when ct_queue_jobs is missing for that',
      labelNames: ['queue'],
    }),
    depth: gauge({
      name: 'ct_queue_jobs',
      help: 'Jobs BullMQ holds, by queue and state, read at scrape time',
      labelNames: ['queue', 'state'],
      collect: () => this.readQueues(),
    }),
    live: gauge({
      name: 'ct_workers_live',
      help: 'Workers consuming a queue whose heartbeat is current, read at scrape time (missing when Redis does not answer)',
      labelNames: ['queue'],
      collect: () => this.readLiveWorkers(),
    }),
  });

  constructor(
    private readonly queues: QueueMonitor,
    private readonly workers: WorkerRegistry,
  ) {
    super('ct_api_');
  }

  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void {
    this.metrics.httpDuration.observe({ ...labels, status: String(labels.status) }, seconds);
  }

  jobSubmitted(team: string, pipeline: string): void {
    this.metrics.submitted.inc({ team, pipeline });
  }

  /** A recorded firing; `reason` is empty for a started run. */
  triggerFired(team: string, kind: string, outcome: string, reason: string | null): void {
    this.metrics.firings.inc({ team, kind, outcome, reason: reason ?? '' });
  }

  private async readQueues(): Promise<void> {
    const { depth, reachable } = this.metrics;
    depth.reset();
    await Promise.all(
      JOB_QUEUES.map(async (name) => {
        try {
          const counts = await this.queues.counts(name);
          for (const [state, count] of Object.entries(counts)) depth.set({ queue: name, state }, count);
          reachable.set({ queue: name }, 1);
        } catch {
          reachable.set({ queue: name }, 0);
        }
      }),
    );
  }

  private async readLiveWorkers(): Promise<void> {
    const { live } = this.metrics;
    live.reset();
    try {
      // Read once for all the queues: each worker says which queues it takes.
      const workers = await this.workers.live();
      for (const name of JOB_QUEUES)
        live.set({ queue: name }, workers.filter((worker) => worker.queues.includes(name)).length);
    } catch {
      // Left out: a 0 would claim that no worker runs.
    }
  }
}
