import type { JobEntity } from '@ct/db';
import { InfrastructureError } from '../errors/infrastructure-error.js';
import { PIPELINE_ENTRYPOINTS } from '../process/child-pipeline-launcher.js';
import { scoringTaskProblem } from '../training/job-plan.js';

/** The experiment of each scoring kind's runs, below the pipeline's own. */
const EXPERIMENT_SUFFIXES = { score: 'scoring', monitor: 'monitoring' } as const;

/**
 * What score and monitor jobs share: a task of a registered pipeline, files exchanged with the child, runs in
 * an experiment of the pipeline's own (`ct/<team>/<pipeline>/scoring` or `…/monitoring`), and no model lock
 * (they decide nothing about the registry). A plan names its kind; its entry point and experiment follow.
 */
export abstract class ScoringPlan {
  readonly entrypoint: readonly string[];
  readonly takesModelLock = false;
  readonly exchangesFiles = true;

  protected constructor(readonly kind: keyof typeof EXPERIMENT_SUFFIXES) {
    this.entrypoint = PIPELINE_ENTRYPOINTS[kind];
  }

  experiment(job: JobEntity): string {
    return `ct/${job.team}/${job.pipeline}/${EXPERIMENT_SUFFIXES[this.kind]}`;
  }

  taskProblem(job: JobEntity): string | null {
    return scoringTaskProblem(job);
  }
}

/** An attempt that is no longer the job's running one stores nothing of what its child reported. */
export function notTheRunningAttempt(attempt: number, unrecorded: string): InfrastructureError {
  return new InfrastructureError(
    'postgres',
    `attempt ${attempt} is no longer the job's running one: ${unrecorded}`,
  );
}
