import type { JobEntity, JobPatch, RunEnd } from '@ct/db';
import { Inject, Injectable, type Logger } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import type { AttemptAudit } from './attempt-audit.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { DependencyGate } from './dependency-gate.js';
import { durableWrite } from './durable-write.js';
import type { Outcome, Success } from './training-outcome.js';

/** What the end of an attempt writes to. */
export interface AttemptTools {
  recorder: AttemptRecorder;
  audit: AttemptAudit;
  /** The attempt's MLflow run, once created. */
  runId: string | null;
  logger: Logger;
}

/**
 * How long an attempt's writes are tried again while Postgres is away. Longer than the lease: a write that
 * comes after the attempt was lost is refused by its fence anyway, so waiting longer risks nothing and
 * keeps an attempt that outlives the outage whole.
 */
export function writeRetryMs(config: Pick<WorkerConfig, 'attemptLeaseMs'>): number {
  return config.attemptLeaseMs * 3;
}

/**
 * The end of one attempt: held back when a dependency outage failed it, then its MLflow run, its registry
 * decisions, and the job's one fenced move.
 */
@Injectable()
export class AttemptEnd {
  constructor(
    private readonly db: Database,
    private readonly mlflow: MlflowClient,
    private readonly gate: DependencyGate,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  /** Records how the attempt ended: as decided, or held back by an outage (the outcome returned). */
  async finish(job: JobEntity, attempt: number, decided: Outcome, tools: AttemptTools): Promise<Outcome> {
    const outcome = await this.gate.holdBack(decided, job);
    await this.record(job, attempt, outcome, tools);
    return outcome;
  }

  /**
   * Ends the MLflow run first, so that a finished job never points at a run still RUNNING; when MLflow does
   * not take it now, the end is stored with the move and delivered later. Then the one fenced move.
   */
  private async record(
    job: JobEntity,
    attempt: number,
    outcome: Outcome,
    { recorder, audit, runId, logger }: AttemptTools,
  ): Promise<void> {
    const runEnd = runId === null ? undefined : await this.endRun(runId, outcome, recorder);
    const { failureReason, message } = outcome;
    if (outcome.then === 'abandon') {
      await recorder.flush();
      if (runEnd) await this.db.runEnds.add({ ...runEnd, jobId: job.id, attempt });
      logger.warn(
        `attempt ${attempt} was lost; it writes nothing more (another worker or the reconciler has the job)`,
      );
      return;
    }
    const why = failureReason === null ? '' : ` (${failureReason}${message ? `: ${message}` : ''})`;
    recorder.system(`attempt ${attempt} ${outcome.attempt}${why}; job ${outcome.state}`);
    await recorder.flush();
    // Before the state: a job that shows succeeded has its registry decisions on record. A score or monitor
    // run used a version: the registry has nothing new to record.
    if (outcome.success !== null && outcome.success.scoring === undefined) {
      const success = outcome.success;
      await durableWrite(() => this.recordDecisions(job, success), writeRetryMs(this.config));
      audit.succeeded(outcome.success);
    }
    const move = () =>
      this.db.lifecycle.move(job.id, {
        to: outcome.state,
        from: ['running'],
        attempt,
        patch: {
          ...outcomePatch(outcome),
          // An attempt that was not held back by an outage ends the outage budget's count.
          ...(outcome.hold ?? { waitingSince: null }),
          ...(outcome.then === 'requeue' ? { uncountedAttempts: job.uncountedAttempts + 1 } : {}),
        },
        message,
        endAttempt: { outcome: outcome.attempt, failureReason, message },
        runEnd,
      });
    // A short Postgres outage must not turn a finished attempt into a lost one.
    const moved = await durableWrite(move, writeRetryMs(this.config));
    if (moved === null) {
      logger.warn(
        `attempt ${attempt} is no longer the job's running one; its outcome (${outcome.state}) is not applied`,
      );
      if (runEnd) await this.db.runEnds.add({ ...runEnd, jobId: job.id, attempt });
      return;
    }
    audit.ended(outcome.state, failureReason, message);
  }

  /** Null when MLflow took the end now; else the end to store and deliver later. */
  private async endRun(
    runId: string,
    outcome: Outcome,
    recorder: AttemptRecorder,
  ): Promise<RunEnd | undefined> {
    try {
      await this.mlflow.updateRun(runId, outcome.runStatus);
      return undefined;
    } catch (error) {
      recorder.warning(
        `MLflow run ${runId} not ended as ${outcome.runStatus} yet (retried until MLflow takes it): ${describeError(error)}`,
      );
      return { runId, status: outcome.runStatus };
    }
  }

  /** The audit trail of the registry: the new version, and its promotion when the pipeline moved `champion`. */
  private async recordDecisions(job: JobEntity, success: Success): Promise<void> {
    const { registeredModel, modelVersion, decision } = success;
    if (registeredModel === null || modelVersion === null) return;
    const base = { registeredModel, version: modelVersion, team: job.team, actor: 'pipeline', jobId: job.id };
    await this.db.decisions.record(
      { ...base, action: 'registered', reason: decision?.reason ?? null },
      ...(decision?.alias === 'champion'
        ? [{ ...base, action: 'auto_promoted' as const, reason: decision.reason }]
        : []),
    );
  }
}

function outcomePatch(outcome: Outcome): JobPatch {
  const failure = { failureReason: outcome.failureReason, failureMessage: outcome.message };
  if (outcome.state === 'queued') return failure;
  if (outcome.success === null) return { ...failure, finishedAt: new Date() };
  const { metrics, modelUri, registeredModel, modelVersion, decision } = outcome.success;
  const model = { metrics, modelUri, registeredModel, modelVersion, decision };
  return { ...failure, ...model, progressFraction: 1, finishedAt: new Date() };
}
