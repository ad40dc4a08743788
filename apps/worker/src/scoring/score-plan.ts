import { writeFile } from 'node:fs/promises';
import { DuplicateRowKeyError, type JobEntity } from '@ct/db';
import { registeredModelName } from '@ct/shared';
import { Inject, Injectable } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { exchangeOf } from '../process/exchange-dir.js';
import type { JobPlan, Launch, PlannedAttempt, Refusal } from '../training/job-plan.js';
import { taskOf } from '../training/job-plan.js';
import { reportOf, type Success } from '../training/result-payload.js';
import { notTheRunningAttempt, ScoringPlan } from './scoring-plan.js';
import { EXCHANGE_FILES, scoreTaskFile } from './task-file.js';

/**
 * Scoring: a registered version of the pipeline's model (its champion by default) predicts the rows of the
 * task; the child writes them to a file, and the worker stores every one with the version and the run that
 * trained it.
 */
@Injectable()
export class ScorePlan extends ScoringPlan implements JobPlan {
  constructor(
    private readonly db: Database,
    private readonly metrics: WorkerMetrics,
    @Inject(WORKER_CONFIG) private readonly config: Pick<WorkerConfig, 'irisUrl'>,
  ) {
    super('score');
  }

  override taskProblem(job: JobEntity): string | null {
    const problem = super.taskProblem(job);
    if (problem !== null) return problem;
    // Found before the launch: the child would fail the same way, after scoring every row.
    if (taskOf(job, 'score').mirrorToIris && this.config.irisUrl === null)
      return 'mirrorToIris needs CT_IRIS_URL on the worker';
    return null;
  }

  async beforeLaunch({ job, spec, exchange }: PlannedAttempt): Promise<Launch> {
    const dir = exchangeOf(exchange);
    const file = dir.file(EXCHANGE_FILES.task);
    const task = scoreTaskFile(job, spec, taskOf(job, 'score'), dir.file(EXCHANGE_FILES.predictions));
    await writeFile(file, JSON.stringify(task), { mode: 0o600 });
    return { spec: { file } };
  }

  /** Stores the predictions (a retried attempt replaces its predecessor's), then the job's figures. */
  async afterSuccess(
    { job, attempt, exchange, recorder }: PlannedAttempt,
    success: Success,
  ): Promise<Success | Refusal> {
    const report = reportOf(success, 'score');
    this.metrics.modelLoaded(report.cache);
    let rows: number | null;
    try {
      rows = await this.db.predictionCopy.loadScores(exchangeOf(exchange).file(EXCHANGE_FILES.predictions), {
        team: job.team,
        pipelineId: job.pipelineId as string, // checked before the attempt started (taskProblem)
        jobId: job.id,
        attempt,
        modelVersion: report.modelVersion,
        runId: report.modelRunId,
        scoredAt: new Date(),
      });
    } catch (error) {
      if (error instanceof DuplicateRowKeyError)
        return { refused: { reason: 'data_error', message: error.message } };
      throw error;
    }
    if (rows === null) throw notTheRunningAttempt(attempt, 'its predictions are not stored');
    if (rows !== report.rows)
      recorder.warning(`the pipeline reported ${report.rows} rows; its file held ${rows}`);
    const loaded = report.cache === 'hit' ? 'from the model cache' : 'downloaded';
    recorder.system(`${rows} predictions stored, made by version ${report.modelVersion} (${loaded})`);
    return {
      ...success,
      metrics: { ...success.metrics, rows },
      registeredModel: registeredModelName(job.team, job.pipeline),
    };
  }
}
