// The figures of bench/scoring.mjs, printed as tables.
import { cpus, totalmem } from 'node:os';
import * as m from './measure.mjs';

const { table } = m;
const GOAL = 0.5;
const p50 = (values) =>
  m.percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const seconds = (value) => m.fixed(value, 2);
const perSecond = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en') : 'n/a');
const share = (part, whole) => `${m.fixed((part / whole) * 100, 0)}%`;

/** Rows of `label, seconds, share` for each step between consecutive marks [label, epoch ms]. */
function steps(marks) {
  const whole = (marks.at(-1)[1] - marks[0][1]) / 1000;
  const rows = [];
  for (let i = 1; i < marks.length; i++) {
    const s = (marks[i][1] - marks[i - 1][1]) / 1000;
    rows.push([`${marks[i - 1][0]} -> ${marks[i][0]}`, seconds(s), share(s, whole)]);
  }
  return [...rows, ['total', seconds(whole), '100%']];
}

/** The round whose wall time is the median one (the upper of two middles). */
const medianRound = (rounds) => [...rounds].sort((a, b) => a.wallS - b.wallS)[Math.floor(rounds.length / 2)];

export function report({ setup, settings, platform, baseline, monitored }) {
  const { ROWS, ROUNDS, MONITOR_ROWS } = settings;
  const cpu = cpus();
  console.log(`\nct scoring benchmark, ${new Date().toISOString()}`);
  console.log(
    `  machine: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}), ${m.fixed(totalmem() / 2 ** 30, 1)} GB`,
  );
  console.log(
    `  one API and one worker (apps/*/dist/main.js), Postgres ${setup.databaseHost} (a fresh database),`,
  );
  console.log(`  MLflow ${setup.mlflowUrl}, Redis ${setup.redisUrl}`);
  const params = setup.model.params ? ` ${JSON.stringify(setup.model.params)}` : '';
  console.log(
    `  pipeline ${setup.pipeline} (team ${setup.team}): ${setup.model.estimator}${params} on ${ROWS} rows ` +
      `of 4 numeric features (csv source); champion: version ${setup.version}`,
  );

  console.log(`\nScoring ${ROWS} rows, ${ROUNDS} interleaved round(s)`);
  console.log(
    '  platform: POST /v1/pipelines/:id/scores (the whole file) -> succeeded: job finishedAt - createdAt',
  );
  console.log(
    '  baseline: bench/lib/bare-predict.py (pyfunc load from the registry, read_csv, predict, to_csv),',
  );
  console.log('            the process from spawn to exit');
  table(
    ['round', 'platform s', 'platform rows/s', 'model', 'baseline s', 'baseline rows/s', 'ratio'],
    platform.map((p, i) => [
      i + 1,
      seconds(p.wallS),
      perSecond(ROWS / p.wallS),
      p.cache,
      seconds(baseline[i].wallS),
      perSecond(ROWS / baseline[i].wallS),
      m.fixed(baseline[i].wallS / p.wallS, 2),
    ]),
  );

  const platformRate = ROWS / p50(platform.map((p) => p.wallS));
  const baselineRate = ROWS / p50(baseline.map((b) => b.wallS));
  const ratio = platformRate / baselineRate;
  const platformPredict = ROWS / p50(platform.map((p) => p.inferenceS));
  const baselinePredict = ROWS / p50(baseline.map((b) => b.predict_s));
  console.log('\nMedians (p50 of the rounds)');
  table(
    ['', 'platform rows/s', 'baseline rows/s', 'ratio'],
    [
      ['end to end', perSecond(platformRate), perSecond(baselineRate), m.fixed(ratio, 2)],
      [
        'predict only',
        perSecond(platformPredict),
        perSecond(baselinePredict),
        m.fixed(platformPredict / baselinePredict, 2),
      ],
      [
        'worker rows_per_second (predict + write file)',
        perSecond(p50(platform.map((p) => p.workerRowsPerS))),
        '',
        '',
      ],
    ],
  );
  const verdict = ratio >= GOAL ? 'met' : 'MISSED';
  console.log(`  goal: platform / baseline >= ${GOAL} end to end: ${verdict} (${m.fixed(ratio, 2)})`);

  const median = medianRound(platform);
  console.log(
    `\nWhere the platform's time goes (the median round, job ${median.jobId}; the worker's log times)`,
  );
  table(['step', 's', 'share'], steps(median.marks));
  const b = baseline[platform.indexOf(median)];
  const parts = b.import_s + b.load_s + b.read_s + b.predict_s + b.write_s;
  console.log("\nWhere the baseline's time goes (the same round)");
  table(
    ['part', 's', 'share'],
    [
      ['interpreter start and exit', seconds(b.wallS - parts), share(b.wallS - parts, b.wallS)],
      ['import mlflow, pandas', seconds(b.import_s), share(b.import_s, b.wallS)],
      ['load the model (download from MLflow)', seconds(b.load_s), share(b.load_s, b.wallS)],
      ['read_csv', seconds(b.read_s), share(b.read_s, b.wallS)],
      ['predict', seconds(b.predict_s), share(b.predict_s, b.wallS)],
      ['to_csv', seconds(b.write_s), share(b.write_s, b.wallS)],
      ['total', seconds(b.wallS), '100%'],
    ],
  );
  const childPeaks = platform.map((p) => p.memory.childMb).filter(Number.isFinite);
  console.log(
    `\n  score job peak RSS: Python child ${m.fixed(Math.max(...childPeaks), 0)} MB (max of the rounds), ` +
      `worker ${m.fixed(Math.max(...platform.map((p) => p.memory.workerMb)), 0)} MB`,
  );

  if (monitored) monitorReport(monitored, MONITOR_ROWS);
  console.log(
    `\nMLflow keeps what the bench made: the registered model ${setup.team}.${setup.pipeline} and the runs of ` +
      `experiments ct/${setup.team}/${setup.pipeline}{,/scoring,/monitoring}`,
  );
}

function monitorReport(f, rows) {
  const e = f.evaluation;
  console.log(`\nMonitoring ${rows} labelled predictions (POST /v1/pipelines/:id/monitor, job ${f.jobId})`);
  console.log(
    `  made with one INSERT ... generate_series in ${seconds(f.insertS)} s, VACUUM (ANALYZE) ` +
      `${seconds(f.vacuumS)} s; the predictions table ${m.fixed(f.tableMb, 0)} MB with its indexes`,
  );
  const metrics = Object.entries(e.metrics)
    .map(([k, v]) => `${k} ${m.fixed(v, 4)}`)
    .join(', ');
  const drift = e.drift
    ? `${e.drift.drifted} of ${Object.keys(e.drift.features).length} features drifted (share ${m.fixed(e.drift.shareDrifted, 2)})`
    : 'none';
  table(
    ['figure', 'value'],
    [
      ['job wall time (finishedAt - createdAt), s', seconds(f.wallS)],
      ['labelled predictions evaluated per second', perSecond(e.samples / f.wallS)],
      ['evaluation: samples / scored', `${e.samples} / ${e.scored}`],
      ['evaluation: metrics', metrics],
      ['evaluation: drift', drift],
      ['peak RSS of the Python child, MB', m.fixed(f.memory.childMb, 0)],
      ['peak RSS of the worker while it ran, MB', m.fixed(f.memory.workerMb, 0)],
    ],
  );
  console.log(
    "\nWhere the monitor job's time goes (the worker's log times; metrics: the job's first metric event)",
  );
  table(['step', 's', 'share'], steps(f.marks));
}
