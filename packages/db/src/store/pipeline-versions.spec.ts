import { type TrainingSpec, trainingSpecSchema } from '@ct/shared';
import { specHash as sut } from './pipeline-versions.js';

const spec = (change: Record<string, unknown> = {}): TrainingSpec =>
  trainingSpecSchema.parse({
    pipeline: 'sales',
    task: 'regression',
    data: { source: 'csv', path: 'sales.csv', target: 'y', time_column: 'ts' },
    model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 50, learning_rate: 0.1 } },
    ...change,
  });

/** The same object with its keys in reverse order at every level (arrays keep their order). */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reversed(item)]),
    );
  return value;
}

describe('specHash', () => {
  it('is a sha256 in hex, the same for the same spec', () => {
    expect(sut(spec())).toMatch(/^[0-9a-f]{64}$/);
    expect(sut(spec())).toBe(sut(spec()));
  });

  it('does not depend on the order of keys, at any level', () => {
    const original = spec();
    const shuffled = reversed(original) as TrainingSpec;
    expect(Object.keys(shuffled)).not.toEqual(Object.keys(original));
    expect(Object.keys(shuffled.model.params)).toEqual(['learning_rate', 'n_estimators']);
    expect(sut(shuffled)).toBe(sut(original));
  });

  it('ignores keys whose value is undefined, as JSON does', () => {
    const original = spec();
    expect(sut({ ...original, data: { ...original.data, features: undefined } } as TrainingSpec)).toBe(
      sut(original),
    );
  });

  it.each([
    ['a parameter value', { model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 51 } } }],
    ['a parameter type', { model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: '50' } } }],
    ['the data path', { data: { source: 'csv', path: 'sales-2.csv', target: 'y', time_column: 'ts' } }],
    ['the split seed', { split: { test_size: 0.2, seed: 7 } }],
    ['the promotion policy', { promotion: { policy: 'manual' } }],
  ])('changes with %s', (_, change) => {
    expect(sut(spec(change))).not.toBe(sut(spec()));
  });

  it('keeps the order of arrays', () => {
    const features = (names: string[]) =>
      spec({ data: { source: 'csv', path: 'sales.csv', target: 'y', features: names } });
    expect(sut(features(['a', 'b']))).not.toBe(sut(features(['b', 'a'])));
  });

  it('tells a nested object from its flattened keys', () => {
    const a = { ...spec(), model: { estimator: 'lightgbm.LGBMRegressor', params: { a: 1 } } };
    const b = { ...spec(), model: { estimator: 'lightgbm.LGBMRegressor', params: {}, a: 1 } };
    expect(sut(a as TrainingSpec)).not.toBe(sut(b as TrainingSpec));
  });
});
