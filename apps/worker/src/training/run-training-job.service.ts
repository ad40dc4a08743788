import { countedAttempts, type JobEntity, type JobWaitReason, TeamAtCapacity } from '@ct/db';
import {
  isFinished,
  RETRY_BACKOFF_MS,
  registeredModelName,
  type TrainingSpec,
  trainingSpecSchema,
} from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { AttemptAudit } from './attempt-audit.js';
import { DependencyGate, OUTAGE_RETRY_DELAY_MS } from './dependency-gate.js';
import { JobPlans } from './job-plans.js';
import { PreviousAttempt } from './previous-attempt.js';
import { type AttemptOptions, type HeldModelLock, TrainingAttempt } from './training-attempt.js';
import { TrainingJobError } from './training-job-error.js';

/** A validated request to run a job (of any kind), built by the processor from the BullMQ job. */
export interface TrainingCommand extends AttemptOptions {
  jobId: string;
  team: string;
}

export interface TrainingJobResult {
  state: JobEntity['state'];
}

/** How soon a job whose registered model is busy with another run looks again. */
const MODEL_BUSY_DELAY_MS = 3_000;

/** How soon a job whose team had its limit of running jobs looks again. */
const TEAM_BUSY_DELAY_MS = 3_000;

/**
 * The use case "run a job" (training, scoring or monitoring: its plan says what differs): loads the job from
 * Postgres (the source of truth), settles an attempt that a lost worker left running (once its child is
 * surely gone), honours a cancel, validates the spec and the task again, waits for MLflow and Postgres and,
 * for training, for the registered model's lock, then runs one attempt.
 * @throws TrainingJobError when the job did not complete; `next` says whether and how BullMQ runs it again.
 */
@Injectable()
export class RunTrainingJob {
  constructor(
    private readonly db: Database,
    private readonly attempt: TrainingAttempt,
    private readonly previous: PreviousAttempt,
    private readonly plans: JobPlans,
    private readonly gate: DependencyGate,
    private readonly metrics: WorkerMetrics,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
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
    if (job.state === 'running') job = await this.previous.settle(job, logger);
    if (job.state !== 'queued') return { state: job.state };
    if (job.cancelRequestedAt !== null)
      return this.end(job, 'cancelled', 'cancelled before it started', logger);
    const spec = mergedSpec(job);
    if (!spec.success) return this.rejectSpec(job, spec.error.issues, logger);
    const plan = this.plans.of(job.kind);
    const taskProblem = plan.taskProblem(job);
    if (taskProblem !== null) return this.reject(job, taskProblem, logger);
    const down = await this.gate.check();
    if (down.length > 0) {
      const why = `${down.join(' and ')} unreachable`;
      if (!this.gate.withinBudget(job.waitingSince))
        return this.end(job, 'failed', `${why} for longer than the outage budget`, logger, 'infrastructure');
      return this.holdBack(
        job,
        'dependency_unavailable',
        `${why}: waiting without using an attempt`,
        OUTAGE_RETRY_DELAY_MS,
      );
    }
    if (!plan.takesModelLock) return this.run(job, spec.data, command, null, logger);
    const model = registeredModelName(job.team, job.pipeline);
    const holder = `job:${job.id}`;
    if (!(await this.db.modelLocks.acquire(model, holder, job.id, this.config.attemptLeaseMs))) {
      const current = await this.db.modelLocks.current(model);
      const other = current?.jobId ? ` (job ${current.jobId})` : '';
      return this.holdBack(
        job,
        'waiting_for_model',
        `another run of ${model}${other} holds it`,
        MODEL_BUSY_DELAY_MS,
      );
    }
    try {
      return await this.run(job, spec.data, command, { model, holder }, logger);
    } finally {
      await this.db.modelLocks.release(model, holder).catch(() => undefined); // its lease expires anyway
    }
  }

  private async run(
    job: JobEntity,
    spec: TrainingSpec,
    command: TrainingCommand,
    modelLock: HeldModelLock | null,
    logger: Logger,
  ): Promise<TrainingJobResult> {
    let outcome: Awaited<ReturnType<TrainingAttempt['run']>>;
    try {
      outcome = await this.attempt.run(job, spec, command, modelLock);
    } catch (error) {
      if (!(error instanceof TeamAtCapacity)) throw error;
      return this.holdBack(job, 'team_quota', error.message, TEAM_BUSY_DELAY_MS);
    }
    if (outcome === null) {
      const now = await this.db.jobs.get(job.id);
      logger.log(`was ${now?.state ?? 'deleted'} before its attempt started: nothing to run`);
      return { state: now?.state ?? 'cancelled' };
    }
    if (outcome.then === 'complete') return { state: outcome.state };
    // `job` is as it was before this attempt: its counted attempts are those before this one.
    const backoff = RETRY_BACKOFF_MS * 2 ** countedAttempts(job);
    const delayMs = outcome.delayMs ?? (outcome.then === 'retry' ? backoff : 0);
    throw new TrainingJobError(`${outcome.failureReason}: ${outcome.message}`, outcome.then, delayMs);
  }

  /** Leaves the job queued, says why on its row (its position shows it), and hands it back to BullMQ. */
  private async holdBack(
    job: JobEntity,
    reason: JobWaitReason,
    message: string,
    delayMs: number,
  ): Promise<never> {
    const waitingSince =
      reason === 'dependency_unavailable' ? (job.waitingSince ?? new Date()) : job.waitingSince;
    await this.db.jobs.patchQueued(job.id, { waitReason: reason, waitingSince });
    new Logger(`job ${job.id}`).log(`${reason}: ${message}; trying again in ${delayMs / 1000} s`);
    throw new TrainingJobError(`${reason}: ${message}`, 'requeue', delayMs);
  }

  private async end(
    job: JobEntity,
    state: 'cancelled' | 'failed',
    message: string,
    logger: Logger,
    reason: 'cancelled' | 'infrastructure' | 'invalid_input' = 'cancelled',
  ): Promise<TrainingJobResult> {
    const moved = await this.db.lifecycle.move(job.id, {
      to: state,
      from: ['queued'],
      attempt: job.attempts,
      patch: { failureReason: reason, failureMessage: message, finishedAt: new Date(), waitReason: null },
      message,
    });
    if (moved !== null) {
      new AttemptAudit(this.audit, job, job.attempts).ended(state, reason, message);
      this.metrics.jobFinished(job, state, reason);
    }
    logger.log(message);
    if (state === 'failed') throw new TrainingJobError(`${reason}: ${message}`, 'fail');
    return { state };
  }

  private async rejectSpec(
    job: JobEntity,
    issues: readonly { path: PropertyKey[]; message: string }[],
    logger: Logger,
  ): Promise<never> {
    const message = `invalid spec: ${issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`).join('; ')}`;
    return this.reject(job, message, logger);
  }

  private async reject(job: JobEntity, message: string, logger: Logger): Promise<never> {
    await this.end(job, 'failed', message, logger, 'invalid_input');
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
