import type { FailureReason } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ColdReason, PoolMemory, WarmPoolMetrics } from '../process/warm-pool.js';

/** Where a job stands once the worker is done with it (`queued`: its attempt failed and it is retried). */
export type JobEnd = 'succeeded' | 'failed' | 'cancelled' | 'queued';
/** How one attempt ended. */
export type AttemptEnd = 'succeeded' | 'failed' | 'cancelled' | 'retrying';

interface JobLabels {
  team: string;
  pipeline: string;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/**
 * The worker's Prometheus metrics, in a registry of its own (not prom-client's global one: tests run
 * several workers in one process). Counters count what this process did since it started; Prometheus
 * sums them over workers.
 */
@Injectable()
export class WorkerMetrics implements WarmPoolMetrics {
  readonly registry = new Registry();
  private readonly completed = new Counter({
    name: 'ct_jobs_completed_total',
    help: 'Jobs that succeeded on this worker',
    labelNames: ['team', 'pipeline'] as const,
    registers: [this.registry],
  });
  private readonly failed = new Counter({
    name: 'ct_jobs_failed_total',
    help: 'Jobs that failed for good on this worker, by failure reason',
    labelNames: ['team', 'pipeline', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly cancelled = new Counter({
    name: 'ct_jobs_cancelled_total',
    help: 'Jobs cancelled on request on this worker, before or while they ran',
    labelNames: ['team', 'pipeline'] as const,
    registers: [this.registry],
  });
  private readonly retried = new Counter({
    name: 'ct_job_retries_total',
    help: 'Attempts that failed and left their job queued for another attempt, by failure reason',
    labelNames: ['team', 'pipeline', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'ct_job_duration_seconds',
    help: 'Time one attempt of a job took on this worker, from its start to its recorded outcome',
    labelNames: ['pipeline', 'outcome'] as const,
    // Training takes from seconds (a small sklearn model) to hours.
    buckets: [
      1,
      5,
      15,
      30,
      MINUTE,
      2 * MINUTE,
      5 * MINUTE,
      10 * MINUTE,
      30 * MINUTE,
      HOUR,
      2 * HOUR,
      4 * HOUR,
      8 * HOUR,
      24 * HOUR,
    ],
    registers: [this.registry],
  });
  private readonly modelCache = new Counter({
    name: 'ct_model_cache_total',
    help: "Models that score jobs loaded: from the worker's cache (hit) or downloaded from MLflow (miss)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly projectCache = new Counter({
    name: 'ct_project_cache_total',
    help: "Uploaded project versions training jobs ran: from the worker's cache (hit) or downloaded (miss)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly triggerFirings = new Counter({
    name: 'ct_trigger_firings_total',
    help: 'Degradation triggers this worker fired after an evaluation, by outcome (started or suppressed) and reason',
    labelNames: ['team', 'kind', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly poolStarts = new Counter({
    name: 'ct_python_pool_starts_total',
    help: 'Pipeline processes started: forked from the warm pool (warm) or spawned cold, with the reason a run started cold',
    labelNames: ['start', 'reason'] as const,
    registers: [this.registry],
  });
  private poolMemorySource: (() => Promise<PoolMemory | null>) | null = null;
  private readonly poolMemory = new Gauge({
    name: 'ct_python_pool_idle_member_bytes',
    help: "Memory of the warm pool's idle preloaded interpreter (the fork server): resident (rss) and proportional (pss, what is shared with its runs split among them)",
    labelNames: ['measure'] as const,
    registers: [this.registry],
    collect: async () => {
      const memory = await this.poolMemorySource?.();
      this.poolMemory.reset();
      if (!memory) return;
      this.poolMemory.set({ measure: 'rss' }, memory.rssBytes);
      this.poolMemory.set({ measure: 'pss' }, memory.pssBytes);
    },
  });
  private readonly running = new Gauge({
    name: 'ct_worker_running_jobs',
    help: 'Attempts running on this worker now',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ct_worker_' });
  }

  /** How a pipeline process started (the warm pool's {@link WarmPoolMetrics}). */
  started(start: 'warm' | 'cold', reason: ColdReason | null): void {
    this.poolStarts.inc({ start, reason: reason ?? '' });
  }

  /** Where the warm pool's memory is read at each scrape. */
  watchPoolMemory(source: () => Promise<PoolMemory | null>): void {
    this.poolMemorySource = source;
  }

  triggerFired(team: string, kind: string, outcome: string, reason: string | null): void {
    this.triggerFirings.inc({ team, kind, outcome, reason: reason ?? '' });
  }

  attemptStarted(): void {
    this.running.inc();
  }

  attemptEnded(): void {
    this.running.dec();
  }

  /** An attempt's outcome, once it is recorded. */
  attemptFinished(job: JobLabels, outcome: AttemptEnd, seconds: number): void {
    this.duration.observe({ pipeline: job.pipeline, outcome }, seconds);
  }

  /** Where the job stands after this worker's part, with the reason when it did not succeed. */
  jobFinished(job: JobLabels, state: JobEnd, reason: FailureReason | null): void {
    const labels = { team: job.team, pipeline: job.pipeline };
    switch (state) {
      case 'succeeded':
        this.completed.inc(labels);
        return;
      case 'cancelled':
        this.cancelled.inc(labels);
        return;
      case 'failed':
        this.failed.inc({ ...labels, reason: reason ?? 'unknown' });
        return;
      case 'queued':
        this.retried.inc({ ...labels, reason: reason ?? 'unknown' });
        return;
    }
  }

  /** A score job loaded its model from the cache, or downloaded it. */
  modelLoaded(outcome: 'hit' | 'miss'): void {
    this.modelCache.inc({ outcome });
  }

  /** A training job found its uploaded project in the cache, or downloaded it. */
  projectFetched(outcome: 'hit' | 'miss'): void {
    this.projectCache.inc({ outcome });
  }

  /** The text exposition format, for `GET /metrics`. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
