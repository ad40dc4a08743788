import type { PipelineEntity } from '@ct/db';
import { registeredModelName } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { ApiError } from '../errors/api-error.js';
import { MlflowRegistryClient } from '../models/mlflow-registry.client.js';

const VERSION = /^[1-9][0-9]*$/;

/**
 * Whether the model a score or monitor request names exists in the MLflow registry, before a job is queued
 * for it: a pipeline that has no champion yet is told so at once (409) rather than by a failed job.
 */
@Injectable()
export class ModelRefCheck {
  constructor(private readonly registry: MlflowRegistryClient) {}

  /**
   * The version `model` (an alias or a version number) names now; the job itself resolves it again when it
   * starts, so that a promotion in between is picked up.
   * @throws ApiError conflict when there is no such model, DependencyUnavailableError when MLflow does not answer.
   */
  async versionOf(pipeline: Pick<PipelineEntity, 'team' | 'name'>, model: string): Promise<string> {
    const name = registeredModelName(pipeline.team, pipeline.name);
    if (VERSION.test(model)) {
      const found = await this.registry.getVersion(name, model);
      if (!found)
        throw new ApiError('conflict', `pipeline ${pipeline.name} has no model version ${model} (${name})`);
      return found.version;
    }
    const version = (await this.registry.getModel(name))?.aliases[model];
    if (version) return version;
    throw new ApiError(
      'conflict',
      model === 'champion'
        ? `pipeline ${pipeline.name} has no champion yet (no model version has the alias champion)`
        : `pipeline ${pipeline.name} has no model version with the alias ${model}`,
    );
  }
}
