import { createHash } from 'node:crypto';
import type { TrainingSpec } from '@ct/shared';
import type { EntityManager } from 'typeorm';
import { PipelineVersionEntity } from '../entities/pipeline-version.entity.js';

/** sha256 of the spec's JSON with its keys sorted at every level: the same spec always has the same hash. */
export function specHash(spec: TrainingSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Stores version `version` of the pipeline's spec, with the spec's hash. */
export async function saveVersion(
  manager: EntityManager,
  pipelineId: string,
  version: number,
  spec: TrainingSpec,
  createdBy: string | null,
): Promise<PipelineVersionEntity> {
  const versions = manager.getRepository(PipelineVersionEntity);
  return versions.save(versions.create({ pipelineId, version, hash: specHash(spec), spec, createdBy }));
}
