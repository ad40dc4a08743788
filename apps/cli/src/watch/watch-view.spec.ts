import type { JobEvent } from '@ct/shared';
import { applyEvent, eventLine, initialView, overallFraction, statusLine } from './watch-view.js';

const base = { jobId: '00000000-0000-4000-8000-000000000001', at: '2026-01-01T00:00:00Z', attempt: 1 };

function replay(events: JobEvent[]) {
  return events.reduce(applyEvent, initialView());
}

describe('watch view', () => {
  it('counts finished steps and the current step progress towards the whole pipeline', () => {
    const sut = replay([
      { ...base, type: 'state', state: 'running', failureReason: null, message: null },
      { ...base, type: 'step.started', step: 'extraction' },
      { ...base, type: 'step.finished', step: 'extraction', status: 'ok', durationMs: 10, reason: null },
      { ...base, type: 'step.started', step: 'validation' },
      { ...base, type: 'progress', step: 'validation', fraction: 0.5, message: null },
    ]);
    expect(sut).toMatchObject({ state: 'running', step: 'validation', stepsDone: 1, stepFraction: 0.5 });
    expect(overallFraction(sut)).toBeCloseTo(1.5 / 7);
    expect(statusLine(sut)).toMatch(/^running +validation \(2\/7\) {2}\[#{5}-+\] {2}21%$/);
  });

  it('is complete when the job succeeded and keeps the metrics', () => {
    const sut = replay([
      { ...base, type: 'metric', key: 'rmse', value: 3 },
      { ...base, type: 'state', state: 'succeeded', failureReason: null, message: null },
    ]);
    expect(overallFraction(sut)).toBe(1);
    expect(sut.metrics).toEqual({ rmse: 3 });
  });

  it('starts the steps over when a new attempt is queued', () => {
    const sut = replay([
      { ...base, type: 'step.started', step: 'training' },
      { ...base, type: 'state', state: 'queued', failureReason: null, message: 'retrying' },
    ]);
    expect(sut).toMatchObject({ state: 'queued', step: null, stepsDone: 0 });
  });

  it('shows why a job failed, and a failed step does not count as done', () => {
    const sut = replay([
      { ...base, type: 'step.started', step: 'validation' },
      {
        ...base,
        type: 'step.finished',
        step: 'validation',
        status: 'failed',
        durationMs: 5,
        reason: 'too few rows',
      },
      { ...base, type: 'state', state: 'failed', failureReason: 'data_error', message: 'too few rows' },
    ]);
    expect(sut.stepsDone).toBe(1);
    expect(statusLine(sut)).toContain('data_error: too few rows');
  });

  it.each<[JobEvent, string | null]>([
    [{ ...base, type: 'step.started', step: 'training' }, 'step training started'],
    [
      { ...base, type: 'step.finished', step: 'training', status: 'ok', durationMs: 1500, reason: null },
      'step training ok in 1.5s',
    ],
    [{ ...base, type: 'log', level: 'warning', message: 'few rows' }, '[warning] few rows'],
    [{ ...base, type: 'progress', step: 'training', fraction: 0.2, message: null }, null],
  ])('prints %j as %p', (event, expected) => {
    expect(eventLine(event)).toBe(expected);
  });
});
