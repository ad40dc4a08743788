import type { JobEntity } from '@ct/db';
import { type JobKind, type JobTask, jobTaskSchema, type TrainingSpec } from '@ct/shared';
import type { ExchangeDir } from '../process/exchange-dir.js';
import type { LaunchSpec } from '../process/pipeline-launcher.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import type { Success } from './result-payload.js';

/** One attempt of a job as a plan's steps see it, once its MLflow run exists. */
export interface PlannedAttempt {
  /** The job as the attempt started it (running, its attempt number in `attempts`). */
  job: JobEntity;
  spec: TrainingSpec;
  attempt: number;
  /** The attempt's MLflow run. */
  runId: string;
  /** The attempt's exchange dir; null for a kind that exchanges no files. */
  exchange: ExchangeDir | null;
  recorder: AttemptRecorder;
}

/** The job cannot run as asked: it fails for good with this reason, without a retry. */
export interface Refusal {
  refused: { reason: 'invalid_input' | 'data_error'; message: string };
}

/** What the child is launched with. */
export interface Launch {
  spec: LaunchSpec;
  /** False: a fresh interpreter, not one forked from the warm pool (the spec's `runtime.warm_start`). */
  warmStart?: boolean;
  /** The run's CT_PROJECTS_ROOT when it is not the worker's: the folder of an uploaded project version. */
  projectsRoot?: string;
}

/**
 * What sets one kind of job apart (training, scoring, monitoring); everything else, from the queue to the
 * lifecycle, attempts, cancel and the MLflow run's end, is the same for every kind.
 */
export interface JobPlan {
  readonly kind: JobKind;
  /** The platform's entry point that runs it. */
  readonly entrypoint: readonly string[];
  /** Whether its runs take the registered model's lock: only runs that may promote a version do. */
  readonly takesModelLock: boolean;
  /** Whether an attempt exchanges files with its child (an exchange dir is made for it). */
  readonly exchangesFiles: boolean;
  /** The MLflow experiment of its runs. */
  experiment(job: JobEntity): string;
  /** Why the job's request (its `task`) cannot run, or null when it can. */
  taskProblem(job: JobEntity): string | null;
  /** What the attempt does before its launch; throws on an infrastructure failure. */
  beforeLaunch(attempt: PlannedAttempt): Promise<Launch | Refusal>;
  /** What the attempt does after its child succeeded; throws on an infrastructure failure (retried). */
  afterSuccess(attempt: PlannedAttempt, success: Success): Promise<Success | Refusal>;
}

/** The job's task, checked to be of the job's kind; null when it has none. */
export function parseTask(job: JobEntity): { task: JobTask | null } | { problem: string } {
  if (job.task === null) return { task: null };
  const parsed = jobTaskSchema.safeParse(job.task);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(task)'}: ${i.message}`);
    return { problem: `invalid task: ${issues.join('; ')}` };
  }
  if (parsed.data.kind !== job.kind)
    return { problem: `invalid task: a ${parsed.data.kind} task on a ${job.kind} job` };
  return { task: parsed.data };
}

/** Why a score or monitor job cannot run as stored: a task of its kind, of a registered pipeline. */
export function scoringTaskProblem(job: JobEntity): string | null {
  const parsed = parseTask(job);
  if ('problem' in parsed) return parsed.problem;
  if (parsed.task === null) return `a ${job.kind} job needs a task`;
  // Its predictions and evaluations belong to the pipeline.
  if (job.pipelineId === null) return `a ${job.kind} job needs a registered pipeline`;
  return null;
}

/** The task of a score or monitor job, checked before its attempt started. */
export function taskOf<K extends JobTask['kind']>(job: JobEntity, kind: K): Extract<JobTask, { kind: K }> {
  const parsed = parseTask(job);
  if (!('task' in parsed) || parsed.task?.kind !== kind)
    throw new Error(`job ${job.id} has no valid ${kind} task`);
  return parsed.task as Extract<JobTask, { kind: K }>;
}

export function isRefusal(value: object): value is Refusal {
  return 'refused' in value;
}
