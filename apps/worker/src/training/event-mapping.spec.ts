import type { PipelineEvent } from '@ct/shared';
import { toJobEventBody } from './event-mapping.js';

const envelope = { v: 1, ts: '2026-01-31T12:00:00.123Z', seq: 1 } as const;

describe('toJobEventBody', () => {
  it.each<[string, PipelineEvent, ReturnType<typeof toJobEventBody>]>([
    [
      'step.started',
      { ...envelope, type: 'step.started', step: 'extraction' },
      { type: 'step.started', step: 'extraction' },
    ],
    [
      'step.finished with a reason',
      {
        ...envelope,
        type: 'step.finished',
        step: 'validation',
        duration_ms: 812,
        status: 'failed',
        reason: 'too few rows',
      },
      {
        type: 'step.finished',
        step: 'validation',
        durationMs: 812,
        status: 'failed',
        reason: 'too few rows',
      },
    ],
    [
      'step.finished without a reason',
      { ...envelope, type: 'step.finished', step: 'training', duration_ms: 0, status: 'ok' },
      { type: 'step.finished', step: 'training', durationMs: 0, status: 'ok', reason: null },
    ],
    [
      'progress',
      { ...envelope, type: 'progress', step: 'training', fraction: 0.5, message: 'half' },
      { type: 'progress', step: 'training', fraction: 0.5, message: 'half' },
    ],
    [
      'progress without a message',
      { ...envelope, type: 'progress', step: 'training', fraction: 1 },
      { type: 'progress', step: 'training', fraction: 1, message: null },
    ],
    [
      'a metric (its own step number is not kept)',
      { ...envelope, type: 'metric', key: 'rmse', value: 0.42, step: 10 },
      { type: 'metric', key: 'rmse', value: 0.42 },
    ],
    [
      'log',
      { ...envelope, type: 'log', level: 'warning', message: 'few rows' },
      { type: 'log', level: 'warning', message: 'few rows' },
    ],
    [
      'a validation finding (the audit trail records it)',
      {
        ...envelope,
        type: 'validation.finding',
        rule: 'iqr_outliers',
        severity: 'warning',
        message: 'over',
        columns: ['bmi'],
        figures: { max_share: 0.01 },
      },
      null,
    ],
    [
      'result (not an event of the job)',
      { ...envelope, type: 'result', payload: { status: 'succeeded' } },
      null,
    ],
  ])('maps %s', (_, event, expected) => {
    expect(toJobEventBody(event)).toEqual(expected);
  });

  it('caps a long log message', () => {
    const sut = toJobEventBody({ ...envelope, type: 'log', level: 'info', message: 'x'.repeat(10_000) });
    expect(sut?.type === 'log' && sut.message.length).toBe(4_000);
  });
});
