import type { JobTask } from '@ct/shared';
import { jobFixture } from '../../test/pipeline-fixtures.js';
import { evaluationFixture, predictionFixture } from '../../test/scoring-fixtures.js';
import {
  describeGroundTruth,
  describeQueued,
  formatPerformance,
  formatPredictions,
} from './scoring-output.js';

describe('describeQueued', () => {
  it.each<[string, JobTask, string]>([
    [
      'inline rows',
      {
        kind: 'score',
        model: 'champion',
        source: null,
        since: null,
        until: null,
        rows: [{ x: 1 }, { x: 2 }],
        keyColumn: 'id',
        mirrorToIris: false,
      },
      'model champion, 2 inline row(s)',
    ],
    [
      "the pipeline's source in a time range",
      {
        kind: 'score',
        model: '3',
        source: null,
        since: '2026-01-01T00:00:00.000Z',
        until: null,
        rows: null,
        keyColumn: 'id',
        mirrorToIris: false,
      },
      "model 3, the pipeline's source from 2026-01-01T00:00:00Z to now",
    ],
    [
      'another source',
      {
        kind: 'score',
        model: 'champion',
        source: { source: 'csv', path: 'new.csv', target: 'y' },
        since: null,
        until: null,
        rows: null,
        keyColumn: 'id',
        mirrorToIris: false,
      },
      'model champion, a csv source',
    ],
    [
      'rows mirrored to IRIS',
      {
        kind: 'score',
        model: 'champion',
        source: null,
        since: null,
        until: null,
        rows: [{ x: 1 }],
        keyColumn: 'id',
        mirrorToIris: true,
      },
      'model champion, 1 inline row(s), mirrored to IRIS',
    ],
    [
      'a monitoring window',
      {
        kind: 'monitor',
        model: 'champion',
        windowStart: '2026-01-01T00:00:00.000Z',
        windowEnd: '2026-01-02T00:00:00.000Z',
      },
      'model champion, predictions from 2026-01-01T00:00:00Z to 2026-01-02T00:00:00Z',
    ],
  ])('says what a job of %s does, and how to follow it', (_case, task, what) => {
    const job = jobFixture({ kind: task.kind, task });
    expect(describeQueued(job)).toBe(
      `queued ${task.kind} job ${job.id} (pipeline churn, ${what})\nfollow it: ct watch ${job.id}`,
    );
  });
});

describe('describeGroundTruth', () => {
  it.each([
    [
      'all attached',
      { attached: 3, unchanged: 0, unknownKeys: [], inserted: 0 },
      ['attached 3, unchanged 0, inserted 0, unknown 0'],
    ],
    [
      'unknown keys',
      { attached: 0, unchanged: 2, unknownKeys: ['a', 'b'], inserted: 0 },
      ['attached 0, unchanged 2, inserted 0, unknown 2', 'unknown row keys (no stored prediction): a, b'],
    ],
    [
      'more unknown keys than are shown',
      { attached: 0, unchanged: 0, unknownKeys: Array.from({ length: 25 }, (_, i) => `k${i}`), inserted: 0 },
      [
        'attached 0, unchanged 0, inserted 0, unknown 25',
        `unknown row keys (no stored prediction): ${Array.from({ length: 20 }, (_, i) => `k${i}`).join(', ')}, and 5 more`,
      ],
    ],
  ])('%s', (_case, result, lines) => {
    expect(describeGroundTruth(result).split('\n')).toEqual(lines);
  });
});

describe('formatPredictions', () => {
  it('shows a line per prediction, its outcome once known, and who made it', () => {
    const sut = formatPredictions([
      predictionFixture({ outcome: 12.5, observedAt: '2026-01-01T13:00:00.000Z' }),
      predictionFixture({ id: '2', rowKey: 'ext-1', jobId: null, modelVersion: null, prediction: 1 / 3 }),
    ]);
    expect(sut.split('\n')).toEqual([
      'SCORED                ROW KEY  VERSION  PREDICTION  OUTCOME  OBSERVED              JOB',
      '2026-01-01T12:00:00Z  k1       2        10.5        12.5     2026-01-01T13:00:00Z  00000000-0000-4000-8000-00000000d001',
      '2026-01-01T12:00:00Z  ext-1    -        0.3333      -        -                     outside',
    ]);
    expect(formatPredictions([])).toBe('no predictions');
  });
});

describe('formatPerformance', () => {
  it('shows a line per evaluation with a column per metric, and the drift', () => {
    const sut = formatPerformance([
      evaluationFixture(),
      evaluationFixture({
        modelVersion: '3',
        metrics: { r2: 0.91234, mae: 1.2 },
        drift: null,
        driftSkipped: 'no reference sample',
      }),
    ]);
    expect(sut.split('\n')).toEqual([
      'EVALUATED             VERSION  WINDOW                                       SAMPLES  MAE  R2      DRIFT',
      '2026-01-02T00:00:00Z  2        2026-01-01T00:00:00Z - 2026-01-02T00:00:00Z  50/80    8    0.15    1/2 features (50%)',
      '2026-01-02T00:00:00Z  3        2026-01-01T00:00:00Z - 2026-01-02T00:00:00Z  50/80    1.2  0.9123  skipped',
    ]);
    expect(formatPerformance([])).toBe('no evaluation yet: ct monitor <pipeline> runs one');
  });
});
