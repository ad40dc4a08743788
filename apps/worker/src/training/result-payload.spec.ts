import type { JobKind } from '@ct/shared';
import type { PipelineExit } from '../process/pipeline-launcher.js';
import { parseSucceeded, reportOf } from './result-payload.js';
import { decideOutcome } from './training-outcome.js';

const TRAINED = { status: 'succeeded', metrics: { r2: 0.41 }, model_uri: 'models:/m-1', run_id: 'r1' };
const SCORED = {
  status: 'succeeded',
  kind: 'score',
  rows: 3,
  model_version: '2',
  model_run_id: 'run-2',
  model_uri: 'models:/team-a.points/2',
  cache: 'hit',
  inference_seconds: 0.003,
  rows_per_second: 1000,
};
const MONITORED = {
  status: 'succeeded',
  kind: 'monitor',
  samples: 40,
  scored: 50,
  metrics: { r2: 0.12, mae: 3.5, rmse: 4.1 },
  primary: 'r2',
  drift: {
    share_drifted: 0.5,
    drifted: 1,
    features: {
      x: { score: 0.001, drifted: true, method: 'K-S p_value' },
      z: { score: 0.7, drifted: false, method: 'K-S p_value' },
    },
  },
  drift_skipped: null,
  model_version: '2',
  run_id: 'monitor-run',
};

describe('parseSucceeded', () => {
  it('turns a score result into the job figures and the report the worker stores predictions with', () => {
    const sut = parseSucceeded('score', SCORED);
    expect(sut.data).toEqual({
      metrics: { rows: 3, rows_per_second: 1000, inference_seconds: 0.003 },
      modelUri: 'models:/team-a.points/2',
      registeredModel: null,
      modelVersion: '2',
      decision: null,
      scoring: {
        kind: 'score',
        rows: 3,
        modelVersion: '2',
        modelRunId: 'run-2',
        cache: 'hit',
        inferenceSeconds: 0.003,
        rowsPerSecond: 1000,
      },
    });
  });

  it('turns a monitor result into live metrics plus samples, its drift in the API shape', () => {
    const sut = parseSucceeded('monitor', MONITORED);
    expect(sut.data).toMatchObject({
      metrics: { r2: 0.12, mae: 3.5, rmse: 4.1, samples: 40 },
      modelUri: null,
      modelVersion: '2',
      decision: null,
      scoring: {
        kind: 'monitor',
        samples: 40,
        scored: 50,
        metrics: { r2: 0.12, mae: 3.5, rmse: 4.1 },
        primary: 'r2',
        drift: { shareDrifted: 0.5, drifted: 1, features: MONITORED.drift.features },
        driftSkipped: null,
        runId: 'monitor-run',
      },
    });
  });

  it('keeps why drift was skipped', () => {
    const skipped = { ...MONITORED, drift: null, drift_skipped: 'no reference sample' };
    expect(parseSucceeded('monitor', skipped).data?.scoring).toMatchObject({
      drift: null,
      driftSkipped: 'no reference sample',
    });
  });

  it('leaves a training result as it was: no report', () => {
    expect(parseSucceeded('train', TRAINED).data).toEqual({
      metrics: { r2: 0.41 },
      modelUri: 'models:/m-1',
      registeredModel: null,
      modelVersion: null,
      decision: null,
    });
  });

  it.each<[string, JobKind, unknown, string]>([
    ['a training result from a score run', 'score', TRAINED, 'kind'],
    ['a score result from a monitor run', 'monitor', SCORED, 'kind'],
    ['an unknown cache outcome', 'score', { ...SCORED, cache: 'warm' }, 'cache'],
    ['negative rows', 'score', { ...SCORED, rows: -1 }, 'rows'],
    ['no model version', 'score', { ...SCORED, model_version: undefined }, 'model_version'],
    ['drift without its share', 'monitor', { ...MONITORED, drift: { drifted: 1, features: {} } }, 'drift'],
    ['a string metric', 'monitor', { ...MONITORED, metrics: { r2: 'high' } }, 'metrics'],
  ])('refuses %s, naming the field', (_, kind, payload, field) => {
    const sut = parseSucceeded(kind, payload);
    expect(sut.success).toBe(false);
    expect(sut.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe('reportOf', () => {
  it('gives the report of the kind asked for, and refuses another', () => {
    const success = parseSucceeded('score', SCORED).data;
    if (!success) throw new Error('the score result is valid');
    expect(reportOf(success, 'score').modelRunId).toBe('run-2');
    expect(() => reportOf(success, 'monitor')).toThrow('expected a monitor report, got score');
  });
});

describe('decideOutcome of a score or monitor run', () => {
  const exit: PipelineExit = {
    pid: 1,
    exitCode: 0,
    signal: null,
    timedOut: false,
    cancelled: false,
    spawnError: null,
    lostError: null,
    warm: false,
    outputTruncated: false,
    durationMs: 10,
  };
  const exited = (result: Record<string, unknown>) =>
    ({ kind: 'exited', exit, result, stopCause: null, stderrTail: '' }) as const;

  it.each<[JobKind, Record<string, unknown>]>([
    ['score', SCORED],
    ['monitor', MONITORED],
  ])('a %s run with its result succeeds', (kind, result) => {
    const sut = decideOutcome(exited(result), true, kind);
    expect(sut).toMatchObject({ state: 'succeeded', runStatus: 'FINISHED', success: { scoring: { kind } } });
    expect(sut.then).toBe('complete');
  });

  it('a score run that reports a training result fails, naming what is missing', () => {
    const sut = decideOutcome(exited(TRAINED), true, 'score');
    expect(sut).toMatchObject({ state: 'failed', failureReason: 'training_error' });
    expect(sut.then).toBe('fail');
    expect(sut.message).toContain('(kind:');
  });
});
