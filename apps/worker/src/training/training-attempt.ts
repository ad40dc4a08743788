import { countedAttempts, type JobEntity } from '@ct/db';
import type { PipelineStep, TrainingSpec } from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { WORKER_CONFIG, WORKER_NAME, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { setLoggedAttempt } from '../observability/job-log-context.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { AttemptAudit } from './attempt-audit.js';
import { AttemptEnd, writeRetryMs } from './attempt-end.js';
import { AttemptLease } from './attempt-lease.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { JobEventRecorder } from './job-event-recorder.js';
import { type OpenedRun, PlanRun } from './plan-run.js';
import { type JobControl, RunningJobs } from './running-jobs.js';
import { decideOutcome, type Outcome } from './training-outcome.js';

/** What the use case knows about the BullMQ job that carries the attempt. */
export interface AttemptOptions {
  /** BullMQ's job progress: best effort, bounded in time, never in the way of Postgres writes. */
  reportProgress(progress: { step: PipelineStep; fraction: number }): Promise<void>;
  /** Called with the attempt's control once it runs: the processor stops it when BullMQ's lock is lost. */
  onControl?(control: JobControl): void;
}

/** The registered model's lock the attempt holds (taken by the use case before the attempt starts). */
export interface HeldModelLock {
  model: string;
  holder: string;
}

/**
 * One attempt of a queued job of any kind: start it (the job running, its recorder, audit trail and lease),
 * have {@link PlanRun} do its work, and let {@link AttemptEnd} record how it ended.
 */
@Injectable()
export class TrainingAttempt {
  constructor(
    private readonly db: Database,
    private readonly running: RunningJobs,
    private readonly events: JobEventRecorder,
    private readonly metrics: WorkerMetrics,
    private readonly work: PlanRun,
    private readonly end: AttemptEnd,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(AUDIT_LOG) private readonly auditLog: AuditLogger,
  ) {}

  /** The outcome, or null when the job left `queued` before this attempt could start (a cancel). */
  async run(
    queued: JobEntity,
    spec: TrainingSpec,
    options: AttemptOptions,
    modelLock: HeldModelLock | null,
  ): Promise<Outcome | null> {
    const logger = new Logger(`job ${queued.id}`);
    const started = await this.db.lifecycle.move(queued.id, {
      to: 'running',
      from: ['queued'],
      attempt: queued.attempts,
      startAttempt: { worker: WORKER_NAME },
      teamRunningLimit: this.config.teamMaxRunningJobs,
      patch: {
        startedAt: new Date(),
        mlflowRunId: null,
        progressStep: null,
        progressFraction: 0,
        failureReason: null,
        failureMessage: null,
        waitReason: null,
      },
    });
    if (started === null) return null;
    const job = started.job;
    const attempt = job.attempts;
    setLoggedAttempt(attempt);
    // Attempts stopped by a shutdown, a lost lock or an outage do not count against maxAttempts.
    const canRetry = countedAttempts(job) < job.maxAttempts;
    const audit = new AttemptAudit(this.auditLog, job, attempt);
    audit.started(WORKER_NAME, job.maxAttempts);
    const control = this.running.register(job.id);
    options.onControl?.(control);
    this.metrics.attemptStarted();
    const startedAt = performance.now();
    const { jobs, logs } = this.db;
    const deps = { jobs, logs, events: this.events, audit, logger, reportProgress: options.reportProgress };
    const recorder = new AttemptRecorder(deps, job.id, attempt, writeRetryMs(this.config));
    const opened: OpenedRun = { runId: null };
    const lease = new AttemptLease({
      jobId: job.id,
      attempt,
      leaseMs: this.config.attemptLeaseMs,
      modelLock,
      jobs: this.db.jobs,
      locks: this.db.modelLocks,
      lost: (why, how) => {
        // Silent: Postgres did not answer; the attempt is still this worker's to end, once it answers.
        const cause = how === 'silent' ? 'lease_expired' : 'attempt_lost';
        if (control.stop(cause)) recorder.system(`attempt ${attempt} lost (${why}): stopping`);
      },
      warn: (message) => logger.warn(message),
    });
    lease.start();
    try {
      let outcome: Outcome;
      try {
        outcome = await this.work.execute(job, spec, control, recorder, opened, canRetry);
      } catch (error) {
        logger.error(`attempt ${attempt} failed around the pipeline: ${describeError(error)}`);
        outcome = decideOutcome({ kind: 'error', error }, canRetry);
      }
      lease.stop();
      const tools = { recorder, audit, runId: opened.runId, logger };
      outcome = await this.end.finish(job, attempt, outcome, tools);
      this.metrics.attemptFinished(job, outcome.attempt, (performance.now() - startedAt) / 1000);
      this.metrics.jobFinished(job, outcome.state, outcome.failureReason);
      return outcome;
    } finally {
      lease.stop();
      this.running.unregister(job.id, control);
      this.metrics.attemptEnded();
    }
  }
}
