import type { PipelineEvent, TrainingSpec } from '@ct/shared';

/** Injection token of the {@link PipelineLauncher}. */
export const PIPELINE_LAUNCHER = Symbol('PIPELINE_LAUNCHER');

export type OutputStream = 'stdout' | 'stderr';

/**
 * What `--spec` names: a training spec (validated, the submission's param overrides merged into
 * `model.params`) that the launcher writes into the run's work dir; or a file the worker wrote itself (the
 * task of a score or monitor job, in the attempt's exchange dir).
 */
export type LaunchSpec = { training: TrainingSpec } | { file: string };

/** Where an MLflow run is: what the worker learns from creating it, and the pipeline needs to log into it. */
export interface MlflowRunLocation {
  experimentId: string;
  /** Where the run's artifacts go (null if the server did not say). */
  artifactUri: string | null;
}

/** One run of a pipeline entry point. The launcher builds the command itself. */
export interface LaunchRequest {
  jobId: string;
  /** The platform's entry point of the job's kind, such as `-m ct_pipeline.train` (never a job's input). */
  entrypoint: readonly string[];
  spec: LaunchSpec;
  /** The attempt's exchange dir (files in and out of the child beside the spec), passed as CT_EXCHANGE_DIR. */
  exchangeDir?: string;
  mlflowRunId: string;
  /** Where the run is (its experiment, its artifact store): the pipeline then joins it without reading it. */
  mlflowRun?: MlflowRunLocation;
  /** The MLflow registered model of the job's team and pipeline. */
  registeredModel: string;
  timeoutMs: number;
  /** False: always a fresh interpreter, never one from the warm pool (a spec's `runtime.warm_start`). */
  warmStart?: boolean;
  /** The run's CT_PROJECTS_ROOT instead of the worker's (an uploaded project version's folder). */
  projectsRoot?: string;
  /** The process started (`warm`: forked from the warm pool); it leads its own process group `pid`. */
  onSpawn?(pid: number, warm: boolean): void;
  onEvent(event: PipelineEvent): void;
  /** Something the launcher wants in the job's log: an invalid event line, output dropped at the cap. */
  onWarning(message: string): void;
  onOutput(stream: OutputStream, text: string): void;
}

/** How a run ended. At most one of `timedOut` and `cancelled` is true: whichever stopped it first. */
export interface PipelineExit {
  pid: number | null;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  /** The process could not be started (or its work dir prepared): it never ran. */
  spawnError: Error | null;
  /** The process ran but its end cannot be known: the warm pool's server died with it. */
  lostError: Error | null;
  /** Whether the process came from the warm pool (false: spawned cold). */
  warm: boolean;
  outputTruncated: boolean;
  durationMs: number;
}

export interface RunningPipeline {
  /** The child's pid once it started; it leads its own process group. */
  readonly pid: number | null;
  readonly exited: Promise<PipelineExit>;
  /** Stops the run: SIGTERM to its process group, SIGKILL after the grace period. Idempotent. */
  cancel(): void;
}

/** Starts pipeline runs. A pool of warm interpreters can replace the cold-start implementation. */
export interface PipelineLauncher {
  launch(request: LaunchRequest): RunningPipeline;
}
