import { type TrainingSpec, trainingSpecSchema } from '@ct/shared';
import { boundedSpec as sut } from './trigger-run.js';

const highWater = new Date('2026-03-01T12:00:00.250Z');

const spec = (data: Record<string, unknown>): TrainingSpec =>
  trainingSpecSchema.parse({
    pipeline: 'sales',
    task: 'regression',
    data,
    model: { estimator: 'lightgbm.LGBMRegressor', params: {} },
  });

describe('boundedSpec', () => {
  it.each([
    ['a csv file', { source: 'csv', path: 'sales.csv', target: 'y', time_column: 'ts' }],
    ['a parquet file', { source: 'parquet', path: 'sales.parquet', target: 'y', time_column: 'ts' }],
    ['a postgres query', { source: 'postgres', query: 'SELECT * FROM t', target: 'y', time_column: 'ts' }],
    ['an iris table', { source: 'iris', table: 'Sales.Orders', target: 'y', time_column: 'ts' }],
    [
      'a window that has only since',
      { source: 'csv', path: 'sales.csv', target: 'y', time_column: 'ts', since: '2026-01-01T00:00:00Z' },
    ],
  ])('reads %s with a time column up to the high-water mark', (_, data) => {
    const original = spec(data);
    const bounded = sut(original, highWater);
    expect(bounded.data).toEqual({ ...original.data, until: '2026-03-01T12:00:00.250Z' });
    expect({ ...bounded, data: original.data }).toEqual(original);
    // The bounded spec is still a valid spec, and the original is left as it was.
    expect(trainingSpecSchema.parse(bounded)).toEqual(bounded);
    expect(original.data).not.toHaveProperty('until');
  });

  it.each([
    ['a csv file without a time column', { source: 'csv', path: 'sales.csv', target: 'y' }],
    ['a postgres query without a time column', { source: 'postgres', query: 'SELECT 1', target: 'y' }],
    ['a bundled dataset', { source: 'sklearn', name: 'diabetes' }],
    ['synthetic data', { source: 'synthetic', rows: 1000, features: 5, seed: 1 }],
    [
      'a window with its own until',
      { source: 'csv', path: 'sales.csv', target: 'y', time_column: 'ts', until: '2026-02-01T00:00:00Z' },
    ],
  ])('leaves %s as it is', (_, data) => {
    const original = spec(data);
    expect(sut(original, highWater)).toBe(original);
  });

  it('does not take the split’s time column for the data’s', () => {
    const original = trainingSpecSchema.parse({
      pipeline: 'sales',
      task: 'regression',
      data: { source: 'csv', path: 'sales.csv', target: 'y' },
      model: { estimator: 'lightgbm.LGBMRegressor', params: {} },
      split: { test_size: 0.2, seed: 1, time_column: 'ts' },
    });
    expect(sut(original, highWater)).toBe(original);
  });
});
