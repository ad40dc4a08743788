import { LockWatch } from './lock-watch.js';
import { JobControl } from './running-jobs.js';

describe('LockWatch', () => {
  let sut: LockWatch;
  let clock: number;
  const advance = (ms: number) => {
    clock += ms;
    sut.check();
  };

  beforeEach(() => {
    clock = 0;
    sut = new LockWatch(10_000, () => clock);
  });

  afterEach(() => sut.close());

  const watched = (signal?: AbortSignal) => {
    const control = new JobControl();
    const watch = sut.watch('job-1', signal);
    watch.attach(control);
    return { control, watch };
  };

  it.each<[string, (s: { ac: AbortController }) => void]>([
    ['BullMQ aborts the processor', ({ ac }) => ac.abort()],
    ['a renewal fails', () => sut.lost('job-1', 'renewal failed')],
    ['no renewal comes back for most of the lock', () => advance(9_000)],
  ])('stops the child as lost lock when %s', (_, happen) => {
    const ac = new AbortController();
    const { control, watch } = watched(ac.signal);
    happen({ ac });
    expect(control.stopCause).toBe('lock_lost');
    expect(watch.lost).toBe(true);
  });

  it('leaves a job whose lock keeps being renewed alone', () => {
    const { control } = watched();
    for (let i = 0; i < 10; i++) {
      advance(5_000);
      sut.renewed(['job-1']);
    }
    expect(control.stopCause).toBeNull();
  });

  it('stops a child attached after the loss at once, and forgets a finished job', () => {
    const watch = sut.watch('job-1');
    sut.lost('job-1', 'renewal failed');
    const control = new JobControl();
    watch.attach(control);
    expect(control.stopCause).toBe('lock_lost');
    const next = sut.watch('job-2');
    next.done();
    advance(20_000);
    expect(next.lost).toBe(false);
  });
});
