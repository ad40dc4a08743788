import type { JobEntity } from '@ct/db';
import { InfrastructureError } from '../errors/infrastructure-error.js';
import { scoringTaskProblem } from '../training/job-plan.js';

/**
 * What score and monitor jobs share: a task of a registered pipeline, files exchanged with the child, runs in
 * an experiment of the pipeline's own (`ct/<team>/<pipeline>/<experimentSuffix>`), and no model lock (they
 * decide nothing about the registry).
 */
export abstract class ScoringPlan {
  readonly takesModelLock = false;
  readonly exchangesFiles = true;
  protected abstract readonly experimentSuffix: 'scoring' | 'monitoring';

  experiment(job: JobEntity): string {
    return `ct/${job.team}/${job.pipeline}/${this.experimentSuffix}`;
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
