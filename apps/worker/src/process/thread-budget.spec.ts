import { withThreadBudget } from './thread-budget.js';

describe('withThreadBudget', () => {
  it.each([
    ['shares the cores among the runs', {}, 2, 8, { OMP_NUM_THREADS: '4' }],
    ['gives each run at least one thread', {}, 4, 2, { OMP_NUM_THREADS: '1' }],
    ['rounds a share down', {}, 3, 8, { OMP_NUM_THREADS: '2' }],
    ['gives one run every core', {}, 1, 2, { OMP_NUM_THREADS: '2' }],
    ["keeps the worker's own setting", { OMP_NUM_THREADS: '3' }, 4, 2, { OMP_NUM_THREADS: '3' }],
    [
      'keeps OpenBLAS settings beside the share',
      { OPENBLAS_NUM_THREADS: '1' },
      2,
      4,
      { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '2' },
    ],
  ])('%s', (_, threadEnv: Record<string, string>, concurrency, cores, expected) => {
    expect(withThreadBudget(threadEnv, concurrency, cores)).toEqual(expected);
  });
});
