import {
  type MonitorTask,
  type MonitorTaskFile,
  registeredModelName,
  type ScoreTask,
  type ScoreTaskFile,
  type TrainingSpec,
} from '@ct/shared';

/** The files of a score or monitor attempt's exchange dir. */
export const EXCHANGE_FILES = {
  /** The task, which `--spec` names. */
  task: 'task.json',
  /** A score run's predictions, written by the child. */
  predictions: 'predictions.csv',
  /** A monitor run's window of stored predictions, written by the worker. */
  window: 'window.csv',
} as const;

/** The job a task file is written for. */
export interface TaskJob {
  id: string;
  team: string;
  pipeline: string;
}

/** What `python -m ct_pipeline.score` reads: every field of the contract in `@ct/shared`'s `scoreTaskFileSchema`. */
export function scoreTaskFile(
  job: TaskJob,
  spec: TrainingSpec,
  task: ScoreTask,
  output: string,
): ScoreTaskFile {
  return {
    kind: 'score',
    job_id: job.id,
    spec,
    registered_model: registeredModelName(job.team, job.pipeline),
    model: task.model,
    source: task.source,
    since: task.since,
    until: task.until,
    rows: task.rows,
    key_column: task.keyColumn,
    output,
    // The child writes the predictions to IRIS too (with the CT_IRIS_URL the worker passes it).
    iris_mirror: task.mirrorToIris,
  };
}

/** What `python -m ct_pipeline.monitor` reads: the window the worker exported, made by `modelVersion`. */
export function monitorTaskFile(
  job: TaskJob,
  spec: TrainingSpec,
  task: MonitorTask,
  modelVersion: string,
  input: string,
): MonitorTaskFile {
  return {
    kind: 'monitor',
    job_id: job.id,
    spec,
    registered_model: registeredModelName(job.team, job.pipeline),
    model: task.model,
    model_version: modelVersion,
    window_start: task.windowStart,
    window_end: task.windowEnd,
    input,
    // Metrics need at least one labelled prediction; whether enough were is the degradation trigger's call.
    min_samples: 1,
  };
}

/** The version a model reference names: a version number as it is, an alias as the registry resolves it. */
export function versionNumberOf(model: string): string | null {
  return /^[1-9][0-9]*$/.test(model) ? model : null;
}

/** Why no model could be found for the reference (an invalid_input failure). */
export function noModelMessage(job: TaskJob, model: string): string {
  const name = registeredModelName(job.team, job.pipeline);
  return model === 'champion'
    ? `pipeline ${job.pipeline} has no champion yet: no version of ${name} carries the alias champion`
    : `${name} has no version ${versionNumberOf(model) === null ? `with the alias ${model}` : model}`;
}
