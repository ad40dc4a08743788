import { countedAttempts, type JobEntity } from '@ct/db';
import type { PipelineStep, TrainingSpec } from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { WORKER_CONFIG, WORKER_NAME, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import type { CreatedRun } from '../mlflow/mlflow-run.js';
import { setLoggedAttempt } from '../observability/job-log-context.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { ExchangeDir } from '../process/exchange-dir.js';
import { AttemptAudit } from './attempt-audit.js';
import { AttemptEnd, writeRetryMs } from './attempt-end.js';
import { AttemptLease } from './attempt-lease.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { DependencyGate } from './dependency-gate.js';
import { JobEventRecorder } from './job-event-recorder.js';
import { isRefusal, type PlannedAttempt } from './job-plan.js';
import { JobPlans } from './job-plans.js';
import { PipelineSupervisor } from './pipeline-supervisor.js';
import { type JobControl, RunningJobs } from './running-jobs.js';
import { decideOutcome, type Outcome, refused } from './training-outcome.js';

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

/** Tracks what an attempt has created so far, so its end can close exactly that. */
interface Progress {
  runId: string | null;
}

/**
 * One attempt of a queued job of any kind: start it, run its plan's entry point under the
 * {@link PipelineSupervisor} (with what the plan does before the launch and after a success), record how it
 * ended.
 */
@Injectable()
export class TrainingAttempt {
  constructor(
    private readonly db: Database,
    private readonly mlflow: MlflowClient,
    private readonly supervisor: PipelineSupervisor,
    private readonly running: RunningJobs,
    private readonly events: JobEventRecorder,
    private readonly metrics: WorkerMetrics,
    private readonly gate: DependencyGate,
    private readonly end: AttemptEnd,
    private readonly plans: JobPlans,
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
    const progress: Progress = { runId: null };
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
        outcome = await this.attempt(job, spec, control, recorder, progress, canRetry);
      } catch (error) {
        logger.error(`attempt ${attempt} failed around the pipeline: ${describeError(error)}`);
        outcome = decideOutcome({ kind: 'error', error }, canRetry);
      }
      lease.stop();
      outcome = await this.gate.holdBack(outcome, job);
      await this.end.finish(job, attempt, outcome, { recorder, audit, runId: progress.runId, logger });
      this.metrics.attemptFinished(job, outcome.attempt, (performance.now() - startedAt) / 1000);
      this.metrics.jobFinished(job, outcome.state, outcome.failureReason);
      return outcome;
    } finally {
      lease.stop();
      this.running.unregister(job.id, control);
      this.metrics.attemptEnded();
    }
  }

  private async attempt(
    job: JobEntity,
    spec: TrainingSpec,
    control: JobControl,
    recorder: AttemptRecorder,
    progress: Progress,
    canRetry: boolean,
  ): Promise<Outcome> {
    const plan = this.plans.of(job.kind);
    const run = await this.startRun(job, plan.experiment(job), control, recorder, progress);
    const { runId } = run;
    const exchange = plan.exchangesFiles ? await ExchangeDir.create(this.config.workDir, job.id) : null;
    try {
      const planned: PlannedAttempt = { job, spec, attempt: job.attempts, runId, exchange, recorder };
      const launch = await plan.beforeLaunch(planned);
      if (isRefusal(launch)) return refused(launch.refused.reason, launch.refused.message);
      const result = await this.supervisor.supervise(planned, run, plan.entrypoint, launch, control);
      const outcome = decideOutcome(result, canRetry, plan.kind);
      if (outcome.success === null) return outcome;
      const success = await plan.afterSuccess(planned, outcome.success);
      return isRefusal(success)
        ? refused(success.refused.reason, success.refused.message)
        : { ...outcome, success };
    } finally {
      await exchange
        ?.remove()
        .catch((error: unknown) =>
          recorder.warning(`could not remove ${exchange.path}: ${describeError(error)}`),
        );
    }
  }

  /** Creates the attempt's MLflow run (in `progress` at once: the attempt's end ends it) and records it on the job. */
  private async startRun(
    job: JobEntity,
    experiment: string,
    control: JobControl,
    recorder: AttemptRecorder,
    progress: Progress,
  ): Promise<CreatedRun> {
    const attempt = job.attempts;
    const runName = `${job.pipeline}-${job.id.slice(0, 8)}-${attempt}`;
    const tags = {
      jobId: job.id,
      team: job.team,
      pipeline: job.pipeline,
      attempt,
      trigger: job.trigger,
      runName,
      registered:
        job.pipelineId && job.pipelineVersion !== null
          ? {
              pipelineId: job.pipelineId,
              version: job.pipelineVersion,
              triggerId: job.triggerId,
              dataHighWater: job.dataHighWater?.toISOString() ?? null,
            }
          : undefined,
    };
    const run = await this.mlflow.createRunIn(experiment, tags);
    const { experimentId, runId } = run;
    progress.runId = runId;
    const patch = { mlflowExperimentId: experimentId, mlflowRunId: runId };
    if (
      !(await this.db.jobs.patchAttempt(job.id, attempt, patch)) ||
      !(await this.db.jobs.heartbeat(job.id, attempt, runId))
    )
      control.stop('attempt_lost');
    recorder.system(
      `attempt ${attempt} of ${job.maxAttempts} started on ${WORKER_NAME}; MLflow run ${runId}`,
    );
    return run;
  }
}
