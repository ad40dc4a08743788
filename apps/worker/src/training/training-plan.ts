import type { JobEntity } from '@ct/db';
import { Injectable } from '@nestjs/common';
import { PIPELINE_ENTRYPOINTS } from '../process/child-pipeline-launcher.js';
import type { JobPlan, Launch, PlannedAttempt, Refusal } from './job-plan.js';
import { ProjectCache } from './project-cache.js';
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

  constructor(private readonly projects: ProjectCache) {}

  /** An uploaded project version is fetched into the worker's cache first (a missing one refuses the job). */
  async beforeLaunch({ job, spec, recorder }: PlannedAttempt): Promise<Launch | Refusal> {
    const root = await this.projects.rootFor(job.team, spec, (message) => recorder.system(message));
    if (root !== null && typeof root !== 'string') return root;
    return {
      spec: { training: spec },
      warmStart: spec.runtime?.warm_start !== false,
      ...(root === null ? {} : { projectsRoot: root }),
    };
  }

  async afterSuccess(_: PlannedAttempt, success: Success): Promise<Success> {
    return success;
  }
}
