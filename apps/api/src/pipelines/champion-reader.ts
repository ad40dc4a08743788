import type { PipelineEntity } from '@ct/db';
import { type Pipeline, registeredModelName, type TrainingSpec } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { MlflowRegistryClient } from '../models/mlflow-registry.client.js';

const METRIC_TAG = 'metric.';

/** The pipeline's champion from the MLflow registry: its version and its primary metric. */
@Injectable()
export class ChampionReader {
  constructor(private readonly registry: MlflowRegistryClient) {}

  /** Never fails the request it serves: when MLflow cannot answer, says so in `championUnavailable`. */
  async read(
    pipeline: PipelineEntity,
    spec: TrainingSpec,
  ): Promise<Pick<Pipeline, 'champion' | 'championUnavailable'>> {
    const name = registeredModelName(pipeline.team, pipeline.name);
    try {
      const model = await this.registry.getModel(name);
      const version = model?.aliases.champion;
      if (!version) return { champion: null };
      const found = await this.registry.getVersion(name, version);
      const metrics = Object.entries(found?.tags ?? {})
        .filter(([key]) => key.startsWith(METRIC_TAG))
        .map(([key, value]) => ({ name: key.slice(METRIC_TAG.length), value: Number(value) }))
        .filter((metric) => Number.isFinite(metric.value));
      const primary = spec.metrics.primary;
      const metric = metrics.find((candidate) => candidate.name === primary) ?? metrics[0] ?? null;
      return { champion: { version, metric } };
    } catch (error) {
      return {
        champion: null,
        championUnavailable: `the MLflow registry did not answer: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
}
