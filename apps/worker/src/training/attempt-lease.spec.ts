import { setTimeout as sleep } from 'node:timers/promises';
import { AttemptLease, type LeaseOptions } from './attempt-lease.js';

/** A lease over stand-in stores: `heartbeat` and `renew` answer as the test says. */
function leaseWith(answers: { heartbeat: () => Promise<boolean>; renew?: () => Promise<boolean> }) {
  const lost: string[] = [];
  const options: LeaseOptions = {
    jobId: 'job-1',
    attempt: 2,
    leaseMs: 1_000,
    modelLock: { model: 't.m', holder: 'job:job-1' },
    jobs: { heartbeat: answers.heartbeat },
    locks: { renew: answers.renew ?? (async () => true) },
    lost: (why, how) => lost.push(`${how}: ${why}`),
    warn: () => undefined,
  };
  return { sut: new AttemptLease(options), lost };
}

describe('AttemptLease', () => {
  it('keeps an attempt whose heartbeat and model lock renew', async () => {
    const { sut, lost } = leaseWith({ heartbeat: async () => true });
    sut.start();
    await sleep(1_500);
    sut.stop();
    expect(lost).toEqual([]);
  });

  it.each<[string, Parameters<typeof leaseWith>[0], RegExp]>([
    ['its heartbeat is refused', { heartbeat: async () => false }, /^refused: .*no longer the job's running/],
    [
      'its model lock was taken',
      { heartbeat: async () => true, renew: async () => false },
      /^refused: .*t\.m/,
    ],
    [
      'Postgres fails every renewal',
      { heartbeat: () => Promise.reject(new Error('ECONNREFUSED')) },
      /^silent: .*could not be renewed/,
    ],
    ['a renewal hangs', { heartbeat: () => new Promise<boolean>(() => undefined) }, /^silent: .*could not/],
  ])('is lost once, within the lease, when %s', async (_, answers, why) => {
    const { sut, lost } = leaseWith(answers);
    sut.start();
    await sleep(1_800);
    sut.stop();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(why);
  });
});
