import type { TrainingSpec } from '@ct/shared';
import type { PipelineEvent } from './pipeline-event.js';

/** Injection token of the {@link PipelineLauncher}. */
export const PIPELINE_LAUNCHER = Symbol('PIPELINE_LAUNCHER');

export type OutputStream = 'stdout' | 'stderr';

/** One run of the training pipeline. The launcher writes the spec file and builds the command itself. */
export interface LaunchRequest {
  jobId: string;
  /** Validated, with the submission's param overrides merged into `model.params`. */
  spec: TrainingSpec;
  mlflowRunId: string;
  /** The MLflow registered model of the job's team and pipeline. */
  registeredModel: string;
  timeoutMs: number;
  /** The process started; it leads its own process group `pid`. */
  onSpawn?(pid: number): void;
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
