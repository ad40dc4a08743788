import { PIPELINE_ID, pipelineFixture, RUN_JOB_ID, triggerFixture } from '../../test/pipeline-fixtures.js';
import {
  describeArrival,
  figures,
  formatPipelines,
  formatVersions,
  nextRun,
  showPipeline as sut,
  triggerOutcome,
} from './pipelines-output.js';

const NOW = Date.parse('2026-01-01T23:00:00Z');

describe('showPipeline', () => {
  it('shows the summary and the trigger records, newest first as given', () => {
    const triggers = [
      triggerFixture({
        id: '00000000-0000-4000-8000-00000000c003',
        kind: 'new_data',
        firedAt: '2026-01-01T12:30:00.250Z',
        figures: { rowsSinceLastRun: 1200, minNewRows: 1000 },
        outcome: 'suppressed',
        reason: 'cooldown',
        jobId: null,
        message: 'cooling down until 12:35',
      }),
      triggerFixture(),
    ];
    expect(sut(pipelineFixture(), triggers, NOW)).toBe(
      [
        `pipeline          churn (${PIPELINE_ID})`,
        'enabled           yes',
        'latest version    3 (f3a1c09b2e7d), 2026-01-01T10:00:00Z',
        'registered model  acme.churn, promotion auto',
        'champion          version 4, rmse 53.12',
        `last run          job ${RUN_JOB_ID} succeeded (trigger schedule, version 3), finished 21h ago`,
        'schedule          0 3 * * * (Europe/Paris)',
        'next run          2026-01-02T02:00:00Z (in 3h)',
        'new data          400/1000 rows since the last run; high-water mark 2026-01-01T01:59:00Z; counted on arrivals and every 60s on the source',
        'degradation       no degradation trigger',
        'monitoring        on demand only, over the last 24h of predictions',
        'cooldown          10m after each run',
        '',
        'last 2 trigger record(s), newest first:',
        'FIRED                 KIND      OUTCOME     REASON    JOB                                   FIGURES',
        '2026-01-01T12:30:00Z  new_data  suppressed  cooldown  -                                     rowsSinceLastRun=1200 minNewRows=1000',
        `2026-01-01T02:00:00Z  schedule  started     -         ${RUN_JOB_ID}  tickAt=2026-01-01T02:00:00Z`,
      ].join('\n'),
    );
  });

  it('says when no trigger has fired yet', () => {
    expect(sut(pipelineFixture(), [], NOW)).toMatch(
      /cooldown {10}10m after each run\n\nno trigger has fired yet$/,
    );
  });

  it.each([
    ['no champion yet', { champion: null }, 'champion          none yet'],
    [
      'a champion MLflow could not tell',
      { champion: null, championUnavailable: 'MLflow did not answer' },
      'champion          unavailable: MLflow did not answer',
    ],
    [
      'a champion without its metric',
      { champion: { version: '2', metric: null } },
      'champion          version 2',
    ],
    ['no run yet', { lastRun: null }, 'last run          none yet'],
    [
      'a failed run',
      {
        lastRun: {
          jobId: RUN_JOB_ID,
          state: 'failed' as const,
          trigger: 'new_data' as const,
          pipelineVersion: null,
          createdAt: '2026-01-01T22:00:00Z',
          finishedAt: '2026-01-01T22:58:00Z',
          failureReason: 'training_error',
        },
      },
      `last run          job ${RUN_JOB_ID} failed: training_error (trigger new_data), finished 2m ago`,
    ],
    [
      'a running run',
      {
        lastRun: {
          jobId: RUN_JOB_ID,
          state: 'running' as const,
          trigger: 'manual' as const,
          pipelineVersion: 2,
          createdAt: '2026-01-01T22:59:18Z',
          finishedAt: null,
          failureReason: null,
        },
      },
      `last run          job ${RUN_JOB_ID} running (trigger manual, version 2), created 42s ago`,
    ],
    ['no new-data trigger', { newData: null }, 'new data          no new-data trigger'],
    [
      'a new-data trigger counted on arrivals only, no run yet',
      { newData: { minNewRows: 50, rowsSinceLastRun: 0, highWaterMark: null, pollSeconds: null } },
      'new data          0/50 rows since the last run; no high-water mark yet; counted on arrivals',
    ],
    ['no cooldown', { cooldownSeconds: 0 }, 'cooldown          none'],
    [
      'a degradation trigger on r2',
      {
        triggers: {
          degradation: { metric: 'r2' as const, threshold: 0.2, minSamples: 50, windowSeconds: 3600 },
        },
      },
      'degradation       retrain when live r2 is below 0.2 on 50+ labelled predictions; the run reads the last 60m',
    ],
    [
      'a degradation trigger on mae',
      {
        triggers: {
          degradation: { metric: 'mae' as const, threshold: 9, minSamples: 1, windowSeconds: 86_400 },
        },
      },
      'degradation       retrain when live mae is above 9 on 1+ labelled predictions; the run reads the last 24h',
    ],
    [
      'a monitoring schedule',
      { monitoring: { schedule: { cron: '*/15 * * * *', timezone: 'UTC' }, windowSeconds: 3600 } },
      'monitoring        */15 * * * * (UTC), over the last 60m of predictions',
    ],
    ['a disabled pipeline', { enabled: false }, 'enabled           no: triggers are recorded as suppressed'],
    ['no schedule', { schedule: null, nextRunAt: null }, 'schedule          none'],
  ])('%s', (_case, overrides, line) => {
    expect(sut(pipelineFixture(overrides), [], NOW).split('\n')).toContain(line);
  });
});

describe('nextRun', () => {
  it.each([
    ['a tick ahead', {}, '2026-01-02T02:00:00Z (in 3h)'],
    ['a tick due a moment ago', { nextRunAt: '2026-01-01T22:59:55Z' }, '2026-01-01T22:59:55Z (5s ago)'],
    ['a tick in 90 s', { nextRunAt: '2026-01-01T23:01:30Z' }, '2026-01-01T23:01:30Z (in 90s)'],
    ['no schedule', { schedule: null, nextRunAt: null }, 'none (no schedule)'],
    ['disabled', { enabled: false, nextRunAt: null }, 'none (disabled)'],
    ['a cron that fires no more', { nextRunAt: null }, 'none (the cron expression fires no more)'],
  ])('%s', (_case, overrides, expected) => {
    expect(nextRun(pipelineFixture(overrides), NOW)).toBe(expected);
  });
});

describe('trigger records in a line', () => {
  it.each([
    [triggerFixture(), `started job ${RUN_JOB_ID}`],
    [
      triggerFixture({
        outcome: 'suppressed',
        reason: 'quota',
        jobId: null,
        message: 'team acme runs 2 of 2',
      }),
      'suppressed (quota): team acme runs 2 of 2',
    ],
  ])('outcome %#', (record, expected) => {
    expect(triggerOutcome(record)).toBe(expected);
  });

  it('figures: key=value, times without milliseconds, null as -', () => {
    const record = triggerFixture({
      figures: { tickAt: '2026-01-01T02:00:00.000Z', rows: 3, source: null, s: 'x' },
    });
    expect(figures(record)).toBe('tickAt=2026-01-01T02:00:00Z rows=3 source=- s=x');
  });
});

describe('formatPipelines', () => {
  it('one line a pipeline; what is absent shows as -', () => {
    const bare = pipelineFixture({
      name: 'fraud',
      enabled: false,
      schedule: null,
      nextRunAt: null,
      newData: null,
      lastRun: null,
    });
    expect(formatPipelines([pipelineFixture(), bare], NOW)).toBe(
      [
        'NAME   ENABLED  VERSION  SCHEDULE                NEXT RUN  NEW DATA  LAST RUN',
        'churn  yes      3        0 3 * * * Europe/Paris  in 3h     400/1000  succeeded 21h ago',
        'fraud  no       3        -                       -         -         -',
      ].join('\n'),
    );
  });

  it('says so when the team has none', () => {
    expect(formatPipelines([], NOW)).toBe('no pipelines');
  });
});

describe('formatVersions', () => {
  it('number, short hash, time and creator', () => {
    const version = {
      version: 2,
      hash: 'sha256:0123456789abcdef',
      createdBy: null,
      createdAt: '2026-01-01T00:00:00Z',
    };
    expect(formatVersions([{ ...version, spec: pipelineFixture().spec }])).toBe(
      [
        'VERSION  HASH          CREATED               BY',
        '2        0123456789ab  2026-01-01T00:00:00Z  -',
      ].join('\n'),
    );
  });
});

describe('describeArrival', () => {
  const at = '2026-01-01T12:00:00.000Z';
  const state = (rowsSinceLastRun: number) => ({
    minNewRows: 1000,
    rowsSinceLastRun,
    highWaterMark: null,
    pollSeconds: null,
  });
  it.each([
    [
      'below the threshold',
      { rows: 300, at, newData: state(700), trigger: null },
      [
        'recorded 300 row(s) at 2026-01-01T12:00:00Z',
        '700/1000 rows since the last run',
        'no trigger fired: 300 more row(s) needed',
      ],
    ],
    [
      'crossing it starts a run',
      { rows: 400, at, newData: state(1100), trigger: triggerFixture({ kind: 'new_data' }) },
      [
        'recorded 400 row(s) at 2026-01-01T12:00:00Z',
        '1100/1000 rows since the last run',
        `the new_data trigger fired: started job ${RUN_JOB_ID}`,
      ],
    ],
    [
      'crossing it while a run is in progress',
      {
        rows: 400,
        at,
        newData: state(1500),
        trigger: triggerFixture({
          kind: 'new_data',
          outcome: 'suppressed',
          reason: 'run_in_progress',
          jobId: null,
          message: 'job x is running',
        }),
      },
      [
        'recorded 400 row(s) at 2026-01-01T12:00:00Z',
        '1500/1000 rows since the last run',
        'the new_data trigger fired: suppressed (run_in_progress): job x is running',
      ],
    ],
    [
      'a pipeline without a new-data trigger',
      { rows: 5, at, newData: null, trigger: null },
      [
        'recorded 5 row(s) at 2026-01-01T12:00:00Z',
        'the pipeline has no new-data trigger: arrivals start no run',
      ],
    ],
  ])('%s', (_case, result, lines) => {
    expect(describeArrival(result).split('\n')).toEqual(lines);
  });
});
