import type { PipelineEvent } from '@ct/shared';
import { type AuditRecord, memoryAuditLog } from '@ct/shared/audit';
import { AttemptAudit, flatFigures } from './attempt-audit.js';
import type { Success } from './training-outcome.js';

const envelope = { v: 1, ts: '2026-01-31T12:00:00.123Z', seq: 1 } as const;
const JOB = { id: '6f1c2c4e-8a40-4a55-9d3e-0c1f2a3b4c5d', team: 'team-a', pipeline: 'diabetes' };
const CONTEXT = { jobId: JOB.id, team: 'team-a', pipeline: 'diabetes', attempt: 2 };

function setup() {
  const log = memoryAuditLog('worker');
  const sut = new AttemptAudit(log, JOB, 2);
  const trail = () => log.events.map((e: AuditRecord) => [e.level, e.event, e.fields] as const);
  return { sut, log, trail };
}

type Finding = Extract<PipelineEvent, { type: 'validation.finding' }>;

const finding = (severity: Finding['severity']): Finding => ({
  ...envelope,
  type: 'validation.finding',
  rule: 'iqr_outliers',
  severity,
  message: 'column(s) {"bmi": 0.02} have an outlier share above 0.01',
  columns: ['bmi', 's5'],
  figures: { max_share: 0.01, factor: 1.5, columns_over: { bmi: 0.02 } },
});

describe('AttemptAudit', () => {
  it('writes job.started with the job, the attempt and the worker', () => {
    const { sut, trail } = setup();
    sut.started('host:42', 3);
    expect(trail()).toEqual([[0, 'job.started', { ...CONTEXT, maxAttempts: 3, worker: 'host:42' }]]);
  });

  it("writes each step's start and end, with its duration and the metrics it reported", () => {
    const { sut, trail } = setup();
    const events: PipelineEvent[] = [
      { ...envelope, type: 'step.started', step: 'evaluation' },
      { ...envelope, type: 'progress', step: 'evaluation', fraction: 0.5 },
      { ...envelope, type: 'metric', key: 'rmse', value: 55.9 },
      { ...envelope, type: 'log', level: 'info', message: 'not audited' },
      { ...envelope, type: 'step.finished', step: 'evaluation', duration_ms: 120, status: 'ok' },
      { ...envelope, type: 'step.started', step: 'model_validation' },
      { ...envelope, type: 'step.finished', step: 'model_validation', duration_ms: 5, status: 'ok' },
    ];
    for (const event of events) sut.pipelineEvent(event);
    expect(trail()).toEqual([
      [0, 'pipeline.step.started', { ...CONTEXT, step: 'evaluation' }],
      [
        0,
        'pipeline.step.finished',
        { ...CONTEXT, step: 'evaluation', status: 'ok', durationMs: 120, 'metric.rmse': 55.9 },
      ],
      [0, 'pipeline.step.started', { ...CONTEXT, step: 'model_validation' }],
      [0, 'pipeline.step.finished', { ...CONTEXT, step: 'model_validation', status: 'ok', durationMs: 5 }],
    ]);
  });

  it.each<['warning' | 'error', number, string]>([
    ['warning', 1, 'data.validation.warning'],
    ['error', 2, 'data.validation.error'],
  ])(
    'writes a %s finding at IRIS severity %i as %s, with its rule, columns and figures',
    (severity, level, name) => {
      const { sut, trail } = setup();
      sut.pipelineEvent(finding(severity));
      expect(trail()).toEqual([
        [
          level,
          name,
          {
            ...CONTEXT,
            rule: 'iqr_outliers',
            columns: 'bmi,s5',
            message: 'column(s) {"bmi": 0.02} have an outlier share above 0.01',
            max_share: 0.01,
            factor: 1.5,
            columns_over: '{"bmi":0.02}',
          },
        ],
      ]);
    },
  );

  it('writes a failed step as a warning and names it in job.failed (severe)', () => {
    const { sut, trail } = setup();
    sut.pipelineEvent({
      ...envelope,
      type: 'step.finished',
      step: 'validation',
      duration_ms: 9,
      status: 'failed',
      reason: 'DataError: validation failed',
    });
    sut.ended('failed', 'data_error', 'validation failed: min_rows');
    expect(trail()).toEqual([
      [
        1,
        'pipeline.step.finished',
        {
          ...CONTEXT,
          step: 'validation',
          status: 'failed',
          durationMs: 9,
          reason: 'DataError: validation failed',
        },
      ],
      [
        2,
        'job.failed',
        {
          ...CONTEXT,
          failureReason: 'data_error',
          message: 'validation failed: min_rows',
          step: 'validation',
        },
      ],
    ]);
  });

  it.each<['succeeded' | 'cancelled' | 'queued', number, string]>([
    ['succeeded', 0, 'job.succeeded'],
    ['cancelled', 1, 'job.cancelled'],
    ['queued', 1, 'job.retrying'],
  ])('writes an attempt that leaves the job %s at severity %i as %s', (end, level, name) => {
    const { sut, log } = setup();
    sut.ended(end, end === 'succeeded' ? null : 'cancelled', null);
    expect(log.events.map((e) => [e.level, e.event])).toEqual([[level, name]]);
  });

  const success = (alias: 'champion' | 'challenger' | null): Success => ({
    metrics: { rmse: 55.9 },
    modelUri: 'models:/m-1',
    registeredModel: 'team-a.diabetes',
    modelVersion: '3',
    decision: {
      promoted: alias !== null,
      policy: alias === 'challenger' ? 'manual' : 'auto',
      outcome: alias === null ? 'reject' : 'promote',
      reason: 'rmse 55.9 vs champion v2 57.1',
      primary: { metric: 'rmse', direction: 'minimize', challenger: 55.9, champion: 57.1 },
      champion_version: '2',
      alias,
    },
  });

  it('writes the decision, the registration and the promotion when the champion alias moved', () => {
    const { sut, trail } = setup();
    sut.succeeded(success('champion'));
    expect(trail()).toEqual([
      [
        0,
        'model.validation.decision',
        {
          ...CONTEXT,
          outcome: 'promote',
          policy: 'auto',
          metric: 'rmse',
          direction: 'minimize',
          challenger: 55.9,
          champion: 57.1,
          championVersion: '2',
          alias: 'champion',
          reason: 'rmse 55.9 vs champion v2 57.1',
        },
      ],
      [
        0,
        'model.registered',
        { ...CONTEXT, model: 'team-a.diabetes', version: '3', modelUri: 'models:/m-1' },
      ],
      [
        0,
        'model.promoted',
        { ...CONTEXT, model: 'team-a.diabetes', version: '3', alias: 'champion', previousVersion: '2' },
      ],
    ]);
  });

  it.each([
    ['a rejected challenger', success(null)],
    ['a challenger awaiting approval', success('challenger')],
  ])('writes no promotion for %s', (_case, outcome) => {
    const { sut, log } = setup();
    sut.succeeded(outcome);
    expect(log.events.map((e) => e.event)).toEqual(['model.validation.decision', 'model.registered']);
  });

  it('writes nothing of the registry for a run that registered no version', () => {
    const { sut, log } = setup();
    sut.succeeded({ ...success(null), registeredModel: null, modelVersion: null, decision: null });
    expect(log.events).toEqual([]);
  });

  it('writes null columns for a finding about no column in particular', () => {
    const { sut, log } = setup();
    sut.pipelineEvent({ ...finding('error'), rule: 'min_rows', columns: [], figures: { rows: 3 } });
    expect(log.events[0]?.fields).toMatchObject({ rule: 'min_rows', columns: null, rows: 3 });
  });

  it('never lets a figure override the fields of the job', () => {
    const { sut, log } = setup();
    sut.pipelineEvent({ ...finding('warning'), figures: { jobId: 'forged', attempt: 99 } });
    expect(log.events[0]?.fields).toMatchObject({ jobId: JOB.id, attempt: 2 });
  });
});

describe('flatFigures', () => {
  it('keeps scalars and writes lists and objects as JSON', () => {
    expect(flatFigures({ rows: 3, ok: false, name: 'x', none: null, missing: ['a'], by: { a: 1 } })).toEqual({
      rows: 3,
      ok: false,
      name: 'x',
      none: null,
      missing: '["a"]',
      by: '{"a":1}',
    });
  });
});
