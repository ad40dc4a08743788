import { Inject, Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_QUEUES, JobQueues } from '../queues/job-queues.js';
import { LIVE_WORKERS, type LiveWorkers } from './live-workers.js';

/**
 * The API's Prometheus metrics, in a registry of its own (not prom-client's global one: tests run many apps
 * in one process). Queue depth and live workers are read from Redis at scrape time; when Redis does not
 * answer, those series are left out and `ct_queue_reachable` says 0, rather than the scrape failing.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'ct_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly submitted = new Counter({
    name: 'ct_jobs_submitted_total',
    help: 'Jobs accepted by the API (an idempotent resubmission counts once)',
    labelNames: ['team', 'pipeline'] as const,
    registers: [this.registry],
  });

  private readonly firings = new Counter({
    name: 'ct_trigger_firings_total',
    help: 'Trigger firings of registered pipelines, by kind and outcome (reason: why one started no run)',
    labelNames: ['team', 'kind', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });

  constructor(queue: JobQueues, @Inject(LIVE_WORKERS) liveWorkers: LiveWorkers) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ct_api_' });
    const reachable = new Gauge({
      name: 'ct_queue_reachable',
      help: '1 when the last scrape could read the queue from Redis, 0 when ct_queue_jobs is missing for that',
      labelNames: ['queue'] as const,
      registers: [this.registry],
    });
    const depth = new Gauge({
      name: 'ct_queue_jobs',
      help: 'Jobs BullMQ holds, by queue and state, read at scrape time',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      collect: async () => {
        depth.reset();
        await Promise.all(
          JOB_QUEUES.map(async (name) => {
            try {
              const counts = await queue.counts(name);
              for (const [state, count] of Object.entries(counts)) depth.set({ queue: name, state }, count);
              reachable.set({ queue: name }, 1);
            } catch {
              reachable.set({ queue: name }, 0);
            }
          }),
        );
      },
    });
    const live = new Gauge({
      name: 'ct_workers_live',
      help: 'Workers consuming a queue whose heartbeat is current, read at scrape time (missing when Redis does not answer)',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      collect: async () => {
        live.reset();
        try {
          for (const name of JOB_QUEUES) live.set({ queue: name }, await liveWorkers.count(name));
        } catch {
          // Left out: a 0 would claim that no worker runs.
        }
      },
    });
  }

  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void {
    this.httpDuration.observe({ ...labels, status: String(labels.status) }, seconds);
  }

  jobSubmitted(team: string, pipeline: string): void {
    this.submitted.inc({ team, pipeline });
  }

  /** A recorded firing; `reason` is empty for a started run. */
  triggerFired(team: string, kind: string, outcome: string, reason: string | null): void {
    this.firings.inc({ team, kind, outcome, reason: reason ?? '' });
  }

  /** The text exposition format, for `GET /metrics`. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
