import { writeFile } from 'node:fs/promises';
import { registeredModelName } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import { DegradationCheck } from '../monitoring/degradation-check.js';
import { exchangeOf } from '../process/exchange-dir.js';
import type { JobPlan, Launch, PlannedAttempt, Refusal } from '../training/job-plan.js';
import { taskOf } from '../training/job-plan.js';
import { reportOf, type Success } from '../training/result-payload.js';
import { notTheRunningAttempt, ScoringPlan } from './scoring-plan.js';
import { EXCHANGE_FILES, monitorTaskFile, noModelMessage, versionNumberOf } from './task-file.js';

/**
 * Monitoring: the live performance of one version (the champion when the job starts, by default) over a
 * window of its stored predictions that have ground truth, and the drift of their features. The worker
 * exports the window for the child, records the evaluation the child reports, then lets the degradation
 * check decide whether the pipeline retrains.
 */
@Injectable()
export class MonitorPlan extends ScoringPlan implements JobPlan {
  constructor(
    private readonly db: Database,
    private readonly mlflow: MlflowClient,
    private readonly degradation: DegradationCheck,
  ) {
    super('monitor');
  }

  async beforeLaunch({ job, spec, exchange, recorder }: PlannedAttempt): Promise<Launch | Refusal> {
    const dir = exchangeOf(exchange);
    const task = taskOf(job, 'monitor');
    const name = registeredModelName(job.team, job.pipeline);
    const version = versionNumberOf(task.model) ?? (await this.mlflow.versionOfAlias(name, task.model));
    if (version === null)
      return { refused: { reason: 'invalid_input', message: noModelMessage(job, task.model) } };
    const input = dir.file(EXCHANGE_FILES.window);
    const window = { start: new Date(task.windowStart), end: new Date(task.windowEnd) };
    const exported = await this.db.predictionCopy.exportWindow(
      { pipelineId: job.pipelineId as string, modelVersion: version, ...window },
      input,
    );
    recorder.system(
      `window ${task.windowStart} to ${task.windowEnd}: ${exported} predictions of ${name} version ${version}`,
    );
    const file = dir.file(EXCHANGE_FILES.task);
    await writeFile(file, JSON.stringify(monitorTaskFile(job, spec, task, version, input)), { mode: 0o600 });
    return { spec: { file } };
  }

  /** Records the evaluation (once per job), then hands it to the degradation check. */
  async afterSuccess({ job, attempt, runId, recorder }: PlannedAttempt, success: Success): Promise<Success> {
    const report = reportOf(success, 'monitor');
    const task = taskOf(job, 'monitor');
    // The evaluation is no attempt's to replace: an attempt that is no longer the job's records none.
    if (!(await this.db.jobs.heartbeat(job.id, attempt)))
      throw notTheRunningAttempt(attempt, 'its evaluation is not recorded');
    const evaluation = await this.db.monitoring.record({
      team: job.team,
      pipelineId: job.pipelineId as string,
      jobId: job.id,
      modelVersion: report.modelVersion,
      windowStart: new Date(task.windowStart),
      windowEnd: new Date(task.windowEnd),
      samples: report.samples,
      scored: report.scored,
      metrics: report.metrics,
      drift: report.drift,
      driftSkipped: report.driftSkipped,
      mlflowRunId: runId,
    });
    const figures = Object.entries(report.metrics).map(([key, value]) => `${key}=${value.toPrecision(4)}`);
    recorder.system(
      `evaluation ${evaluation.id}: ${report.samples} labelled of ${report.scored} predictions; ${figures.join(', ') || 'no metrics'}`,
    );
    await this.degradation.afterEvaluation(job, evaluation);
    const name = registeredModelName(job.team, job.pipeline);
    return { ...success, registeredModel: name, modelUri: `models:/${name}/${report.modelVersion}` };
  }
}
