import type { JobEntity } from '@ct/db';
import {
  type AuditLogger,
  isFinished,
  type JobState,
  type TrainingSpec,
  trainingSpecSchema,
} from '@ct/shared';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { Database } from '../database/database.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { AttemptAudit } from './attempt-audit.js';
import { JobEventRecorder } from './job-event-recorder.js';
import { type AttemptOptions, TrainingAttempt } from './training-attempt.js';
import { TrainingJobError } from './training-job-error.js';

/** A validated request to run a training job, built by the processor from the BullMQ job. */
export interface TrainingCommand extends AttemptOptions {
  jobId: string;
  team: string;
}

export interface TrainingJobResult {
  state: JobState;
}

/** The message an attempt gets when the worker running it disappeared. */
export const WORKER_LOST = 'worker lost';

/**
 * The use case "run a training job": loads the job from Postgres (the source of truth), settles an attempt
 * that a lost worker left running, honours a cancel, validates the spec again, then runs one attempt.
 * @throws TrainingJobError when the job did not complete; `next` says whether and how BullMQ runs it again.
 */
@Injectable()
export class RunTrainingJob {
  constructor(
    private readonly db: Database,
    private readonly mlflow: MlflowClient,
    private readonly events: JobEventRecorder,
    private readonly attempt: TrainingAttempt,
    private readonly metrics: WorkerMetrics,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async execute(command: TrainingCommand): Promise<TrainingJobResult> {
    const logger = new Logger(`job ${command.jobId}`);
    let job = await this.db.jobs.get(command.jobId, command.team);
    if (job === null)
      throw new TrainingJobError(`job ${command.jobId} of team ${command.team} does not exist`, 'fail');
    if (isFinished(job.state)) {
      logger.warn(`is already ${job.state}: nothing to run`);
      return { state: job.state };
    }
    if (job.state === 'running') job = await this.settleLostAttempt(job, logger);
    if (job.cancelRequestedAt !== null) return this.cancelBeforeStart(job, logger);
    const spec = mergedSpec(job);
    if (!spec.success) return this.rejectSpec(job, spec.error.issues, logger);
    const outcome = await this.attempt.run(job, spec.data, command);
    if (outcome === null) {
      const now = await this.db.jobs.get(job.id);
      logger.log(`was ${now?.state ?? 'deleted'} before its attempt started: nothing to run`);
      return { state: now?.state ?? 'cancelled' };
    }
    if (outcome.then === 'complete') return { state: outcome.state };
    throw new TrainingJobError(`${outcome.failureReason}: ${outcome.message}`, outcome.then);
  }

  /** A stalled job picked up again: its last attempt failed with the worker; its MLflow run must not stay RUNNING. */
  private async settleLostAttempt(job: JobEntity, logger: Logger): Promise<JobEntity> {
    logger.warn(`attempt ${job.attempts} was left running by a lost worker: marking it failed`);
    if (job.mlflowRunId !== null) {
      const run = await this.mlflow.getRun(job.mlflowRunId);
      if (run !== null && (run.status === 'RUNNING' || run.status === 'SCHEDULED'))
        await this.mlflow.updateRun(job.mlflowRunId, 'FAILED');
    }
    const failure = { failureReason: 'infrastructure', message: WORKER_LOST } as const;
    await this.db.jobs.finishAttempt(job.id, job.attempts, 'failed', failure);
    const queued = await this.db.jobs.transition(
      job.id,
      'queued',
      { failureReason: failure.failureReason, failureMessage: WORKER_LOST },
      ['running'],
    );
    if (queued === null) return (await this.db.jobs.get(job.id)) ?? job;
    await this.events.state(job.id, job.attempts, 'queued', failure.failureReason, WORKER_LOST);
    new AttemptAudit(this.audit, job, job.attempts).ended('queued', failure.failureReason, WORKER_LOST);
    return queued;
  }

  private async cancelBeforeStart(job: JobEntity, logger: Logger): Promise<TrainingJobResult> {
    const message = 'cancelled before it started';
    const patch = { failureReason: 'cancelled', failureMessage: message, finishedAt: new Date() } as const;
    const cancelled = await this.db.jobs.transition(job.id, 'cancelled', patch, ['queued']);
    if (cancelled !== null) {
      await this.events.state(job.id, job.attempts, 'cancelled', 'cancelled', message);
      new AttemptAudit(this.audit, job, job.attempts).ended('cancelled', 'cancelled', message);
      this.metrics.jobFinished(job, 'cancelled', 'cancelled');
    }
    logger.log(message);
    return { state: 'cancelled' };
  }

  private async rejectSpec(
    job: JobEntity,
    issues: readonly { path: PropertyKey[]; message: string }[],
    logger: Logger,
  ): Promise<never> {
    const message = `invalid spec: ${issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`).join('; ')}`;
    const patch = {
      failureReason: 'invalid_input',
      failureMessage: message,
      finishedAt: new Date(),
    } as const;
    const failed = await this.db.jobs.transition(job.id, 'failed', patch, ['queued']);
    if (failed !== null) {
      await this.events.state(job.id, job.attempts, 'failed', 'invalid_input', message);
      new AttemptAudit(this.audit, job, job.attempts).ended('failed', 'invalid_input', message);
      this.metrics.jobFinished(job, 'failed', 'invalid_input');
    }
    logger.warn(message);
    throw new TrainingJobError(`invalid_input: ${message}`, 'fail');
  }
}

/**
 * The stored spec with the submission's param overrides merged in where the model takes them (a catalogue
 * estimator's params, a custom function's params, an MLflow Project's parameters), validated again.
 */
function mergedSpec(job: JobEntity): ReturnType<typeof trainingSpecSchema.safeParse> {
  const spec = job.spec as Partial<TrainingSpec> | null;
  const model = spec?.model;
  const overrides = job.params ?? {};
  const merged = model?.custom
    ? { ...model, custom: { ...model.custom, params: { ...model.custom.params, ...overrides } } }
    : model?.mlproject
      ? {
          ...model,
          mlproject: { ...model.mlproject, parameters: { ...model.mlproject.parameters, ...overrides } },
        }
      : { ...model, params: { ...model?.params, ...overrides } };
  return trainingSpecSchema.safeParse({ ...spec, model: merged });
}
