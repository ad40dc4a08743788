import { submitJobSchema } from './submit-job.dto.js';
import { trainingSpecSchema } from './training-spec.js';

const csv = { source: 'csv', path: 'sales.csv', target: 'y', time_column: 'ts' };

const valid = {
  pipeline: 'diabetes-lgbm',
  task: 'regression',
  data: { source: 'sklearn', name: 'diabetes' },
  model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 50, learning_rate: 0.1 } },
};

function issuesOf(input: unknown): { path: string; message: string }[] {
  const result = trainingSpecSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('trainingSpecSchema', () => {
  it('accepts a minimal spec and fills the split defaults', () => {
    const sut = trainingSpecSchema.parse(valid);
    expect(sut.split).toEqual({ test_size: 0.2, seed: 42 });
    expect(sut.model.params).toEqual({ n_estimators: 50, learning_rate: 0.1 });
  });

  it.each([
    ['a csv source', { data: { source: 'csv', path: 'sales/2026.csv', target: 'y' } }],
    ['a synthetic source', { data: { source: 'synthetic', rows: 1000, features: 5, seed: 1 } }],
    ['a time window', { data: { ...csv, since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' } }],
    ['until alone', { data: { ...csv, until: '2026-02-01T00:00:00.5+02:00' } }],
    [
      'since and until at the same instant in other zones',
      { data: { ...csv, since: '2026-01-01T02:00:00.123456+02:00', until: '2026-01-01T00:00:00.1234567Z' } },
    ],
    [
      'until on a postgres query',
      {
        data: {
          source: 'postgres',
          query: 'SELECT * FROM t',
          target: 'y',
          time_column: 'ts',
          until: '2026-02-01T00:00:00Z',
        },
      },
    ],
    [
      'a classifier for a classification task',
      {
        task: 'binary_classification',
        data: { source: 'sklearn', name: 'breast_cancer' },
        model: { estimator: 'sklearn.linear_model.LogisticRegression', params: {} },
      },
    ],
    ['a run that opts out of the warm pool', { runtime: { warm_start: false } }],
  ])('accepts %s', (_, change) => {
    expect(issuesOf({ ...valid, ...change })).toEqual([]);
  });

  it.each([
    ['an unknown field', { extra: 1 }, ''],
    ['an unknown runtime setting', { runtime: { warm_start: true, threads: 4 } }, 'runtime'],
    ['a warm start that is not a boolean', { runtime: { warm_start: 'no' } }, 'runtime.warm_start'],
    [
      'an unknown nested field',
      { model: { estimator: 'lightgbm.LGBMRegressor', params: {}, x: 1 } },
      'model',
    ],
    ['an upper-case pipeline name', { pipeline: 'Diabetes' }, 'pipeline'],
    ['an unknown estimator', { model: { estimator: 'sklearn.svm.SVR', params: {} } }, 'model.estimator'],
    [
      'a classifier for a regression task',
      { model: { estimator: 'lightgbm.LGBMClassifier', params: {} } },
      'model.estimator',
    ],
    [
      'a csv path leaving the data root',
      { data: { source: 'csv', path: '../etc/passwd', target: 'y' } },
      'data.path',
    ],
    ['an absolute csv path', { data: { source: 'csv', path: '/etc/passwd', target: 'y' } }, 'data.path'],
    ['an unknown data source', { data: { source: 'ftp', name: 'x' } }, 'data.source'],
    [
      'too many synthetic rows',
      { data: { source: 'synthetic', rows: 10 ** 9, features: 5, seed: 1 } },
      'data.rows',
    ],
    ['a test size of 1', { split: { test_size: 1 } }, 'split.test_size'],
    ['a negative seed', { split: { seed: -1 } }, 'split.seed'],
    ['a dataset for another task', { data: { source: 'sklearn', name: 'iris' } }, 'data.name'],
    [
      'the target among the features',
      { data: { source: 'csv', path: 'a.csv', target: 'y', features: ['x', 'y'] } },
      'data.features',
    ],
    [
      'a repeated feature',
      { data: { source: 'csv', path: 'a.csv', target: 'y', features: ['x', 'x'] } },
      'data.features',
    ],
    [
      'until without a time column',
      { data: { source: 'csv', path: 'a.csv', target: 'y', until: '2026-01-01T00:00:00Z' } },
      'data.time_column',
    ],
    ['until without a zone', { data: { ...csv, until: '2026-01-01T00:00:00' } }, 'data.until'],
    [
      'until before since',
      { data: { ...csv, since: '2026-02-01T00:00:00Z', until: '2026-01-31T23:59:59Z' } },
      'data.until',
    ],
    [
      'until a microsecond before since',
      { data: { ...csv, since: '2026-01-01T00:00:00.000002Z', until: '2026-01-01T00:00:00.000001Z' } },
      'data.until',
    ],
    [
      'until before since once the zones are applied',
      { data: { ...csv, since: '2026-01-01T00:00:00Z', until: '2026-01-01T01:00:00+02:00' } },
      'data.until',
    ],
    [
      'an object as a param value',
      { model: { estimator: 'lightgbm.LGBMRegressor', params: { a: {} } } },
      'model.params.a',
    ],
  ])('rejects %s', (_, change, path) => {
    const issues = issuesOf({ ...valid, ...change });
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((issue) => issue.path)).toContain(path);
  });

  it('leaves runtime out unless given, and fills warm_start when it is', () => {
    expect(trainingSpecSchema.parse(valid)).not.toHaveProperty('runtime');
    expect(trainingSpecSchema.parse({ ...valid, runtime: {} }).runtime).toEqual({ warm_start: true });
  });

  it('names since when until comes before it', () => {
    const data = { ...csv, since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' };
    expect(issuesOf({ ...valid, data })).toEqual([
      { path: 'data.until', message: 'must be at or after since (2026-02-01T00:00:00Z)' },
    ]);
  });

  it('names the task a mismatched estimator cannot do', () => {
    expect(issuesOf({ ...valid, model: { estimator: 'lightgbm.LGBMClassifier', params: {} } })).toEqual([
      {
        path: 'model.estimator',
        message: 'lightgbm.LGBMClassifier is a classification estimator and cannot do regression',
      },
    ]);
  });
});

describe('submitJobSchema', () => {
  it('fills the defaults of a submission', () => {
    expect(submitJobSchema.parse({ spec: valid })).toMatchObject({
      priority: 100,
      timeoutSeconds: 3600,
      maxAttempts: 3,
      tags: {},
      trigger: 'manual',
    });
  });

  it.each([
    ['a negative timeout', { timeoutSeconds: -1 }, 'timeoutSeconds'],
    ['a timeout over a day', { timeoutSeconds: 86_401 }, 'timeoutSeconds'],
    ['a fractional priority', { priority: 1.5 }, 'priority'],
    ['an idempotency key with spaces', { idempotencyKey: 'a b' }, 'idempotencyKey'],
    ['a huge idempotency key', { idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
    ['an unknown trigger', { trigger: 'cron' }, 'trigger'],
    ['an unknown field', { color: 'red' }, ''],
    [
      'too many tags',
      { tags: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`t${i}`, 'v'])) },
      'tags',
    ],
  ])('rejects %s', (_, change, path) => {
    const result = submitJobSchema.safeParse({ spec: valid, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});
