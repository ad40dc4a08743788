import {
  assertTransition,
  canTransition,
  FINISHED_STATES,
  IllegalTransitionError,
  isFinished,
  JOB_STATES,
  type JobState,
  nextStates,
} from './job-state.js';

// The whole table, written out by hand: every pair not listed here must be refused.
const LEGAL: readonly [JobState, JobState][] = [
  ['queued', 'running'],
  ['queued', 'cancelled'],
  ['queued', 'failed'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'queued'],
  ['failed', 'queued'],
  ['cancelled', 'queued'],
];

const ALL_PAIRS = JOB_STATES.flatMap((from) => JOB_STATES.map((to) => [from, to] as [JobState, JobState]));
const isLegal = (from: JobState, to: JobState) => LEGAL.some(([f, t]) => f === from && t === to);

describe('job state machine', () => {
  it.each(ALL_PAIRS)('%s → %s is allowed only if listed', (from, to) => {
    expect(canTransition(from, to)).toBe(isLegal(from, to));
    if (isLegal(from, to)) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(new IllegalTransitionError(from, to));
  });

  it('names both states when it refuses', () => {
    expect(() => assertTransition('succeeded', 'queued')).toThrow('a job cannot go from succeeded to queued');
  });

  it.each(JOB_STATES)('nextStates(%s) lists exactly the legal targets', (from) => {
    expect([...nextStates(from)].sort()).toEqual(
      LEGAL.filter(([f]) => f === from)
        .map(([, to]) => to)
        .sort(),
    );
  });

  it('a succeeded job is final; failed and cancelled ones can only be retried', () => {
    expect(nextStates('succeeded')).toEqual([]);
    expect(nextStates('failed')).toEqual(['queued']);
    expect(nextStates('cancelled')).toEqual(['queued']);
  });

  it.each(JOB_STATES)('isFinished(%s)', (state) => {
    expect(isFinished(state)).toBe(['succeeded', 'failed', 'cancelled'].includes(state));
    expect(FINISHED_STATES.includes(state)).toBe(isFinished(state));
  });
});
