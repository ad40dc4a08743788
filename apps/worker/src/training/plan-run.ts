import type { JobEntity } from '@ct/db';
import type { TrainingSpec } from '@ct/shared';
import { Inject, Injectable } from '@nestjs/common';
import { WORKER_CONFIG, WORKER_NAME, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import type { CreatedRun } from '../mlflow/mlflow-run.js';
import { ExchangeDir } from '../process/exchange-dir.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import { isRefusal, type PlannedAttempt } from './job-plan.js';
import { JobPlans } from './job-plans.js';
import { PipelineSupervisor } from './pipeline-supervisor.js';
import type { JobControl } from './running-jobs.js';
import { decideOutcome, type Outcome, refused } from './training-outcome.js';

/** The attempt's MLflow run as far as it got: set as soon as the run exists, so the attempt's end ends it. */
export interface OpenedRun {
  runId: string | null;
}

/**
 * The work of one started attempt, whatever its kind: the attempt's MLflow run in the plan's experiment
 * (recorded on the job), an exchange dir when the plan asks for one, then what the plan does before the
 * launch, its entry point under the {@link PipelineSupervisor}, and what the plan does after a success.
 */
@Injectable()
export class PlanRun {
  constructor(
    private readonly db: Database,
    private readonly mlflow: MlflowClient,
    private readonly plans: JobPlans,
    private readonly supervisor: PipelineSupervisor,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  /** The attempt's outcome as its child and its plan decide it; throws when the worker's own work fails. */
  async execute(
    job: JobEntity,
    spec: TrainingSpec,
    control: JobControl,
    recorder: AttemptRecorder,
    opened: OpenedRun,
    canRetry: boolean,
  ): Promise<Outcome> {
    const plan = this.plans.of(job.kind);
    const run = await this.startRun(job, plan.experiment(job), control, recorder, opened);
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

  /** Creates the attempt's MLflow run (in `opened` at once: the attempt's end ends it) and records it on the job. */
  private async startRun(
    job: JobEntity,
    experiment: string,
    control: JobControl,
    recorder: AttemptRecorder,
    opened: OpenedRun,
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
    opened.runId = runId;
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
