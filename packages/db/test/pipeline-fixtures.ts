import { randomUUID } from 'node:crypto';
import { type SubmitJob, submitJobSchema, type TrainingSpec, trainingSpecSchema } from '@ct/shared';
import type { PipelineDefinition } from '../src/store/pipeline-store.js';

/** A spec on a csv file with a time column: a triggered run of it reads up to its high-water mark. */
export const pipelineSpec = (name: string, change: Record<string, unknown> = {}): TrainingSpec =>
  trainingSpecSchema.parse({
    pipeline: name,
    task: 'regression',
    data: { source: 'csv', path: 'sales.csv', target: 'y', time_column: 'ts' },
    model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 50 } },
    ...change,
  });

export const definition = (name: string, change: Partial<PipelineDefinition> = {}): PipelineDefinition => ({
  name,
  spec: pipelineSpec(name),
  schedule: null,
  triggers: {},
  cooldownSeconds: 0,
  enabled: true,
  ...change,
});

/** A direct job (not a pipeline's), to fill a team's quota. */
export const directJob: SubmitJob = submitJobSchema.parse({
  spec: {
    pipeline: 'direct',
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'lightgbm.LGBMRegressor', params: {} },
  },
});

/** A name no other test uses: every test gets its own team, so quotas never meet. */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** The same value with the keys of every object in reverse order (arrays keep theirs). */
export function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reversedKeys(item)]),
    ) as T;
  return value;
}
