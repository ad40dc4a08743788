import type { RunningPipeline } from '../process/pipeline-launcher.js';
import { RunningJobs } from './running-jobs.js';

function fakePipeline(): RunningPipeline & { cancels: number } {
  const pipeline = {
    pid: 1,
    exited: new Promise<never>(() => undefined),
    cancels: 0,
    cancel: () => {
      pipeline.cancels++;
    },
  };
  return pipeline;
}

describe('RunningJobs', () => {
  it('stops a running job once; the first cause wins', () => {
    const sut = new RunningJobs();
    const control = sut.register('job-1');
    const pipeline = fakePipeline();
    control.attach(pipeline);
    expect(sut.stop('job-1', 'user')).toBe(true);
    expect(sut.stop('job-1', 'shutdown')).toBe(false);
    expect(control.stopCause).toBe('user');
    expect(pipeline.cancels).toBe(1);
  });

  it('cancels a process that starts after the stop', () => {
    const sut = new RunningJobs();
    const control = sut.register('job-1');
    sut.stopAll('shutdown');
    const pipeline = fakePipeline();
    control.attach(pipeline);
    expect(pipeline.cancels).toBe(1);
    expect(control.stopCause).toBe('shutdown');
  });

  it('ignores jobs it does not run, and forgets finished ones', () => {
    const sut = new RunningJobs();
    const control = sut.register('job-1');
    expect(sut.stop('job-2', 'user')).toBe(false);
    sut.unregister('job-1', control);
    expect(sut.size).toBe(0);
    expect(sut.stop('job-1', 'user')).toBe(false);
  });

  it('stopAll names the jobs it stopped', () => {
    const sut = new RunningJobs();
    sut.register('a');
    sut.register('b').stop('user');
    expect(sut.stopAll('shutdown')).toEqual(['a']);
  });
});
