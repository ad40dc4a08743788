import type { FailureReason } from '@ct/shared';
import { counter, gauge, histogram, ServiceMetrics } from '@ct/shared/runtime';
import { Injectable } from '@nestjs/common';
import type { ColdReason, PoolMemory, WarmPoolMetrics } from '../process/warm-pool.js';

/** Where a job stands once the worker is done with it (`queued`: its attempt failed and it is retried). */
export type JobEnd = 'succeeded' | 'failed' | 'cancelled' | 'queued';
/** How one attempt ended. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'cancelled' | 'retrying';

interface JobLabels {
  team: string;
  pipeline: string;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
// Training takes from seconds (a small sklearn model) to hours.
const DURATION_BUCKETS = [
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
];
const JOB_LABELS = ['team', 'pipeline'] as const;

/**
 * The worker's Prometheus metrics. Counters count what this process did since it started; Prometheus sums
 * them over workers.
 */
@Injectable()
export class WorkerMetrics extends ServiceMetrics implements WarmPoolMetrics {
  private poolMemorySource: (() => Promise<PoolMemory | null>) | null = null;
  private readonly metrics = this.inRegistry({
    completed: counter({
      name: 'ct_jobs_completed_total',
      help: 'Jobs that succeeded on this worker',
      labelNames: JOB_LABELS,
    }),
    failed: counter({
      name: 'ct_jobs_failed_total',
      help: 'Jobs that failed for good on this worker, by failure reason',
      labelNames: [...JOB_LABELS, 'reason'],
    }),
    cancelled: counter({
      name: 'ct_jobs_cancelled_total',
      help: 'Jobs cancelled on request on this worker, before or while they ran',
      labelNames: JOB_LABELS,
    }),
    retried: counter({
      name: 'ct_job_retries_total',
      help: 'Attempts that failed and left their job queued for another attempt, by failure reason',
      labelNames: [...JOB_LABELS, 'reason'],
    }),
    duration: histogram({
      name: 'ct_job_duration_seconds',
      help: 'Time one attempt of a job took on this worker, from its start to its recorded outcome',
      labelNames: ['pipeline', 'outcome'],
      buckets: DURATION_BUCKETS,
    }),
    modelCache: counter({
      name: 'ct_model_cache_total',
      help: "Models that score jobs loaded: from the worker's cache (hit) or downloaded from MLflow (miss)",
      labelNames: ['outcome'],
    }),
    projectCache: counter({
      name: 'ct_project_cache_total',
      help: "Uploaded project versions training jobs ran: from the worker's cache (hit) or downloaded (miss)",
      labelNames: ['outcome'],
    }),
    triggerFirings: counter({
      name: 'ct_trigger_firings_total',
      help: 'Degradation triggers this worker fired after an evaluation, by outcome (started or suppressed) and reason',
      labelNames: ['team', 'kind', 'outcome', 'reason'],
    }),
    poolStarts: counter({
      name: 'ct_python_pool_starts_total',
      help: 'Pipeline processes started: forked from the warm pool (warm) or spawned cold, with the reason a run started cold',
      labelNames: ['start', 'reason'],
    }),
    poolMemory: gauge({
      name: 'ct_python_pool_idle_member_bytes',
      help: "Memory of the warm pool's idle preloaded interpreter (the fork server): resident (rss) and proportional (pss, what is shared with its runs split among them)",
      labelNames: ['measure'],
      collect: () => this.readPoolMemory(),
    }),
    running: gauge({ name: 'ct_worker_running_jobs', help: 'Attempts running on this worker now' }),
  });

  constructor() {
    super('ct_worker_');
  }

  /** How a pipeline process started (the warm pool's {@link WarmPoolMetrics}). */
  started(start: 'warm' | 'cold', reason: ColdReason | null): void {
    this.metrics.poolStarts.inc({ start, reason: reason ?? '' });
  }

  /** Where the warm pool's memory is read at each scrape. */
  watchPoolMemory(source: () => Promise<PoolMemory | null>): void {
    this.poolMemorySource = source;
  }

  triggerFired(team: string, kind: string, outcome: string, reason: string | null): void {
    this.metrics.triggerFirings.inc({ team, kind, outcome, reason: reason ?? '' });
  }

  attemptStarted(): void {
    this.metrics.running.inc();
  }

  attemptEnded(): void {
    this.metrics.running.dec();
  }

  /** An attempt's outcome, once it is recorded. */
  attemptFinished(job: JobLabels, outcome: AttemptOutcome, seconds: number): void {
    this.metrics.duration.observe({ pipeline: job.pipeline, outcome }, seconds);
  }

  /** Where the job stands after this worker's part, with the reason when it did not succeed. */
  jobFinished(job: JobLabels, state: JobEnd, reason: FailureReason | null): void {
    const labels = { team: job.team, pipeline: job.pipeline };
    switch (state) {
      case 'succeeded':
        this.metrics.completed.inc(labels);
        return;
      case 'cancelled':
        this.metrics.cancelled.inc(labels);
        return;
      case 'failed':
        this.metrics.failed.inc({ ...labels, reason: reason ?? 'unknown' });
        return;
      case 'queued':
        this.metrics.retried.inc({ ...labels, reason: reason ?? 'unknown' });
        return;
    }
  }

  /** A score job loaded its model from the cache, or downloaded it. */
  modelLoaded(outcome: 'hit' | 'miss'): void {
    this.metrics.modelCache.inc({ outcome });
  }

  /** A training job found its uploaded project in the cache, or downloaded it. */
  projectFetched(outcome: 'hit' | 'miss'): void {
    this.metrics.projectCache.inc({ outcome });
  }

  private async readPoolMemory(): Promise<void> {
    const memory = await this.poolMemorySource?.();
    this.metrics.poolMemory.reset();
    if (!memory) return;
    this.metrics.poolMemory.set({ measure: 'rss' }, memory.rssBytes);
    this.metrics.poolMemory.set({ measure: 'pss' }, memory.pssBytes);
  }
}
