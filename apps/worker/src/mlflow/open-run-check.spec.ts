import type { JobEntity } from '@ct/db';
import { OPEN_RUN_MIN_AGE_MS, openRunEnd } from './open-run-check.js';

const job = (state: JobEntity['state'], attempts: number) => ({ state, attempts }) as JobEntity;
const OLD = OPEN_RUN_MIN_AGE_MS + 1;

describe('openRunEnd', () => {
  it.each<[string, JobEntity | null, number, number, ReturnType<typeof openRunEnd>]>([
    ['the running attempt’s own run', job('running', 2), 2, OLD, null],
    ['a run too young to judge', null, 1, 1_000, null],
    ['a run whose job is gone', null, 1, OLD, 'KILLED'],
    ['a stale attempt’s run, the job running again', job('running', 3), 2, OLD, 'KILLED'],
    ['the attempt of a job queued again', job('queued', 2), 2, OLD, 'KILLED'],
    ['a succeeded job’s run', job('succeeded', 1), 1, OLD, 'FINISHED'],
    ['a failed job’s run', job('failed', 1), 1, OLD, 'FAILED'],
    ['a cancelled job’s run', job('cancelled', 1), 1, OLD, 'KILLED'],
    ['an earlier attempt of a succeeded job', job('succeeded', 2), 1, OLD, 'KILLED'],
  ])('%s', (_, sut, attempt, age, expected) => {
    expect(openRunEnd(sut, attempt, age)).toBe(expected);
  });
});
