import { trainingSpecSchema } from './training-spec.js';

const base = {
  pipeline: 'diabetes-custom',
  task: 'regression',
  data: { source: 'sklearn', name: 'diabetes' },
};
const custom = { project: 'ridge-custom', entrypoint: 'train_model:train', params: { alpha: 0.5 } };
const mlproject = { project: 'ridge-mlproject', parameters: { alpha: 0.5, note: 'x' } };

function pathsOf(input: unknown): string[] {
  const result = trainingSpecSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('trainingSpecSchema model forms', () => {
  it('accepts a custom training function and fills its params', () => {
    const sut = trainingSpecSchema.parse({ ...base, model: { custom: { ...custom, params: undefined } } });
    expect(sut.model.custom).toEqual({
      project: 'ridge-custom',
      entrypoint: 'train_model:train',
      params: {},
    });
    expect(sut.model.estimator).toBeUndefined();
  });

  it('accepts an MLflow Project with the default entry point', () => {
    const sut = trainingSpecSchema.parse({ ...base, model: { mlproject } });
    expect(sut.model.mlproject?.entry_point).toBe('main');
  });

  it('accepts a dotted module and a string parameter with shell syntax (there is no shell)', () => {
    const model = {
      custom: { ...custom, entrypoint: 'pkg.sub_mod:fit_it' },
    };
    expect(pathsOf({ ...base, model })).toEqual([]);
    expect(
      pathsOf({ ...base, model: { mlproject: { ...mlproject, parameters: { note: '1; rm -rf /' } } } }),
    ).toEqual([]);
  });

  it.each([
    ['no model kind', {}, 'model'],
    ['two model kinds', { estimator: 'sklearn.linear_model.Ridge', custom }, 'model'],
    ['params beside custom', { custom, params: { alpha: 1 } }, 'model.params'],
    ['a project path', { custom: { ...custom, project: '../etc' } }, 'model.custom.project'],
    ['an absolute project', { custom: { ...custom, project: '/etc' } }, 'model.custom.project'],
    ['a nested project', { mlproject: { ...mlproject, project: 'a/b' } }, 'model.mlproject.project'],
    [
      'an entrypoint without a function',
      { custom: { ...custom, entrypoint: 'train' } },
      'model.custom.entrypoint',
    ],
    ['a path as module', { custom: { ...custom, entrypoint: '../x:train' } }, 'model.custom.entrypoint'],
    ['an unknown custom field', { custom: { ...custom, shell: true } }, 'model.custom'],
    [
      'an object parameter',
      { mlproject: { ...mlproject, parameters: { a: {} } } },
      'model.mlproject.parameters.a',
    ],
    [
      'a bad entry point name',
      { mlproject: { ...mlproject, entry_point: 'a b' } },
      'model.mlproject.entry_point',
    ],
  ])('rejects %s', (_, model, path) => {
    expect(pathsOf({ ...base, model })).toContain(path);
  });
});

describe('trainingSpecSchema iris source', () => {
  const model = { estimator: 'sklearn.linear_model.Ridge' };

  it.each([
    ['a table', { source: 'iris', table: 'Sales.Orders', target: 'y' }],
    ['a query', { source: 'iris', query: 'SELECT * FROM Sales.Orders', target: 'y', time_column: 't' }],
  ])('accepts %s', (_, data) => {
    expect(pathsOf({ ...base, data, model })).toEqual([]);
  });

  it.each([
    ['both query and table', { source: 'iris', table: 'T', query: 'SELECT 1', target: 'y' }, 'data'],
    ['neither query nor table', { source: 'iris', target: 'y' }, 'data'],
    ['a writing query', { source: 'iris', query: 'DELETE FROM T', target: 'y' }, 'data.query'],
    ['a table with SQL in it', { source: 'iris', table: 'T; DROP TABLE T', target: 'y' }, 'data.table'],
    ['a connection in the spec', { source: 'iris', table: 'T', target: 'y', url: 'iris://x' }, 'data'],
  ])('rejects %s', (_, data, path) => {
    expect(pathsOf({ ...base, data, model })).toContain(path);
  });
});
