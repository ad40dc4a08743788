import { readFileSync } from 'node:fs';
import {
  type MonitorTask,
  monitorTaskFileSchema,
  type ScoreTask,
  scoreTaskFileSchema,
  type TrainingSpec,
  trainingSpecSchema,
} from '@ct/shared';
import { monitorTaskFile, noModelMessage, scoreTaskFile, versionNumberOf } from './task-file.js';

/** The task files the Python tests read (pipeline/tests/fixtures): the worker must write exactly these. */
function fixture(name: string): unknown {
  const url = new URL(`../../../../pipeline/tests/fixtures/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

const JOB = { id: '6f1c5a52-1d0e-4a4e-9a43-2b1f3f4c0a11', team: 'team-a', pipeline: 'points' };
const SPEC: TrainingSpec = trainingSpecSchema.parse({
  pipeline: 'points',
  task: 'regression',
  data: { source: 'csv', path: 'points.csv', target: 'y' },
  model: { estimator: 'sklearn.linear_model.LinearRegression' },
});

describe('task files', () => {
  it('gives the score entry point its task in snake_case, with the file to write', () => {
    const task: ScoreTask = {
      kind: 'score',
      model: 'champion',
      source: null,
      since: '2026-12-01T00:00:00.000Z',
      until: null,
      rows: [{ id: 1, x: 0.5 }],
      keyColumn: 'id',
      mirrorToIris: false,
    };
    expect(scoreTaskFile(JOB, SPEC, task, '/x/predictions.csv')).toEqual({
      kind: 'score',
      job_id: JOB.id,
      spec: SPEC,
      registered_model: 'team-a.points',
      model: 'champion',
      source: null,
      since: '2026-12-01T00:00:00.000Z',
      until: null,
      rows: [{ id: 1, x: 0.5 }],
      key_column: 'id',
      output: '/x/predictions.csv',
      iris_mirror: false,
    });
  });

  it.each([true, false])('passes the IRIS mirror on: iris_mirror %s', (mirrorToIris) => {
    const task: ScoreTask = {
      kind: 'score',
      model: 'champion',
      source: null,
      since: null,
      until: null,
      rows: null,
      keyColumn: 'id',
      mirrorToIris,
    };
    expect(scoreTaskFile(JOB, SPEC, task, '/x/predictions.csv')).toMatchObject({ iris_mirror: mirrorToIris });
  });

  it('gives the monitor entry point the window, the version it was made by and the file to read', () => {
    const task: MonitorTask = {
      kind: 'monitor',
      model: 'champion',
      windowStart: '2026-12-01T00:00:00.000Z',
      windowEnd: '2026-12-02T00:00:00.000Z',
    };
    expect(monitorTaskFile(JOB, SPEC, task, '3', '/x/window.csv')).toEqual({
      kind: 'monitor',
      job_id: JOB.id,
      spec: SPEC,
      registered_model: 'team-a.points',
      model: 'champion',
      model_version: '3',
      window_start: '2026-12-01T00:00:00.000Z',
      window_end: '2026-12-02T00:00:00.000Z',
      input: '/x/window.csv',
      min_samples: 1,
    });
  });
});

describe('task files as the Python tests know them', () => {
  const job = { ...JOB };
  const spec = trainingSpecSchema.parse({ ...SPEC, data: { ...SPEC.data, time_column: 'ts' } });

  it.each([
    [
      'score-task.json',
      scoreTaskFileSchema,
      () =>
        scoreTaskFile(
          job,
          spec,
          {
            kind: 'score',
            model: 'champion',
            source: null,
            since: '2026-12-01T00:00:00.000Z',
            until: null,
            rows: null,
            keyColumn: 'id',
            mirrorToIris: false,
          },
          '/exchange/predictions.csv',
        ),
    ],
    [
      'monitor-task.json',
      monitorTaskFileSchema,
      () =>
        monitorTaskFile(
          job,
          spec,
          {
            kind: 'monitor',
            model: 'champion',
            windowStart: '2026-12-01T00:00:00.000Z',
            windowEnd: '2026-12-02T00:00:00.000Z',
          },
          '3',
          '/exchange/window.csv',
        ),
    ],
  ])('writes %s, which its schema accepts unchanged', (name, schema, write) => {
    const sut = JSON.parse(JSON.stringify(write()));

    expect(sut).toEqual(fixture(name));
    expect(schema.parse(sut)).toEqual(sut);
  });
});

describe('model references', () => {
  it.each([
    ['3', '3'],
    ['120', '120'],
    ['champion', null],
    ['staging', null],
  ])('%s names version %s', (model, version) => {
    expect(versionNumberOf(model)).toBe(version);
  });

  it.each([
    [
      'champion',
      'pipeline points has no champion yet: no version of team-a.points carries the alias champion',
    ],
    ['staging', 'team-a.points has no version with the alias staging'],
    ['7', 'team-a.points has no version 7'],
  ])('without a model for %s: %s', (model, message) => {
    expect(noModelMessage(JOB, model)).toBe(message);
  });
});
