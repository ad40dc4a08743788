import type { JobEntity } from '@ct/db';
import { Injectable } from '@nestjs/common';
import { PIPELINE_ENTRYPOINTS } from '../process/child-pipeline-launcher.js';
import type { JobPlan, Launch, PlannedAttempt } from './job-plan.js';
import type { Success } from './result-payload.js';

/**
 * Training: the seven-step pipeline of the job's spec, in the pipeline's experiment, under the registered
 * model's lock (its validation and promotion never overlap another run's). Its spec says it all: no task,
 * nothing before the launch or after the success that the attempt does not do for every kind.
 */
@Injectable()
export class TrainingPlan implements JobPlan {
  readonly kind = 'train';
  readonly entrypoint = PIPELINE_ENTRYPOINTS.train;
  readonly takesModelLock = true;
  readonly exchangesFiles = false;

  experiment(job: JobEntity): string {
    return `ct/${job.team}/${job.pipeline}`;
  }

  taskProblem(): null {
    return null;
  }

  async beforeLaunch({ spec }: PlannedAttempt): Promise<Launch> {
    return { spec: { training: spec }, warmStart: spec.runtime?.warm_start !== false };
  }

  async afterSuccess(_: PlannedAttempt, success: Success): Promise<Success> {
    return success;
  }
}
