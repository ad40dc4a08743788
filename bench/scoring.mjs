// Scoring throughput through the platform beside a bare Python predict, and the cost of monitoring:
//   pnpm exec turbo run build && node bench/scoring.mjs
// Options: --rows=<n> (100000), --rounds=<n> (3), --monitor-rows=<n> (1000000; 0: no monitoring),
//   --estimator=lightgbm|linear (lightgbm).
// Starts its own API and worker (apps/*/dist/main.js) on a fresh database, its own BullMQ prefix and a temp
// data root, against Redis, Postgres and MLflow from REDIS_URL, DATABASE_URL and MLFLOW_TRACKING_URI (or the
// local defaults). Trains a pipeline on a CSV of --rows rows, then in interleaved rounds scores the whole file
// with a score job (submit to succeeded, every prediction stored in Postgres) and with bench/lib/bare-predict.py
// (the same version from the registry, pandas, one predict call, a CSV out). Then makes --monitor-rows labelled
// predictions in Postgres and times a monitor job over them. Asserts no speed; exits non-zero only on errors.
// Removes its processes, database, BullMQ keys and temp dir; the MLflow runs and registered model stay.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmark, needBuilt, options } from './lib/bench-run.mjs';
import { lineAt } from './lib/job-watch.mjs';
import * as m from './lib/measure.mjs';
import { BUILT, startPlatform } from './lib/platform-stack.mjs';
import * as data from './lib/scoring-data.mjs';
import { report } from './lib/scoring-report.mjs';

const BARE_PREDICT = fileURLToPath(new URL('lib/bare-predict.py', import.meta.url));
needBuilt(Object.values(BUILT));
const { runToEnd } = await import(BUILT.testSupport);
const pg = createRequire(BUILT.api)('pg');

const args = options({
  rows: { whole: 100_000, min: 100 },
  rounds: { whole: 3, min: 1 },
  'monitor-rows': { whole: 1_000_000 },
  estimator: { text: 'lightgbm' },
});
const ROWS = args.rows;
const ROUNDS = args.rounds;
const MONITOR_ROWS = args['monitor-rows'];
const ESTIMATORS = {
  lightgbm: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 100, n_jobs: 1 } },
  linear: { estimator: 'sklearn.linear_model.LinearRegression' },
};
const MODEL = ESTIMATORS[args.estimator];
if (!MODEL) {
  console.error(`--estimator must be ${Object.keys(ESTIMATORS).join(' or ')}, not ${args.estimator}`);
  process.exit(1);
}
const TEAM = 'platform';
const PIPELINE = `bench-scoring-${randomBytes(4).toString('hex')}`;

const { cleanups, problems, main } = benchmark();
/** The API and worker under test (startPlatform), set when the run starts. */
let ct;
let dir;

// --- the phases ------------------------------------------------------------------------------------------
async function train() {
  const csv = 'bench-scoring.csv';
  let started = performance.now();
  await data.writeRows(join(ct.dataRoot, csv), ROWS);
  m.log(`wrote ${ROWS} rows to ${csv} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const spec = {
    pipeline: PIPELINE,
    task: 'regression',
    data: {
      source: 'csv',
      path: csv,
      target: data.TARGET,
      features: data.FEATURES,
      time_column: data.TIME_COLUMN,
    },
    model: MODEL,
    metrics: { primary: 'r2' },
  };
  const pipeline = await ct.send('POST', '/v1/pipelines', { spec }, 201);
  started = performance.now();
  const { job } = await ct.send('POST', `/v1/pipelines/${pipeline.id}/runs`, {}, 201);
  const trained = await ct.finishedJob(job.id);
  m.log(`trained version ${trained.modelVersion} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { pipeline, csv: join(ct.dataRoot, csv), job: trained };
}

/** A score job of the whole file, from submit to succeeded, and where its time went. */
async function platformRound(pipelineId) {
  const { job: queued } = await ct.send('POST', `/v1/pipelines/${pipelineId}/scores`, {}, 202);
  const { job, memory, lines } = await ct.watched(queued);
  const at = (pattern) => lineAt(lines, pattern);
  const [created, started, ended] = [job.createdAt, job.startedAt, job.finishedAt].map(Date.parse);
  const stored = /^(\d+) predictions stored, made by version \S+ \((.+)\)$/.exec(
    lines.find((l) => / predictions stored, made by version /.test(l.msg))?.msg ?? '',
  );
  if (!stored || Number(stored[1]) !== ROWS)
    problems.push(`job ${job.id} stored ${stored?.[1]} rows, not ${ROWS}`);
  return {
    jobId: job.id,
    wallS: (ended - created) / 1000,
    cache: stored?.[2] ?? 'n/a',
    workerRowsPerS: job.metrics.rows_per_second,
    inferenceS: job.metrics.inference_seconds,
    memory,
    // Consecutive marks of the job's life; the report prints the step between each and the next.
    marks: [
      ['created (API)', created],
      ['running', started],
      ['child spawned', at(/^pipeline started as process/)],
      ['extraction started', at(/^step extraction started/)],
      ['evaluation started', at(/^step evaluation started/)],
      ['evaluation finished', at(/^step evaluation finished/)],
      ['child exited', at(/^pipeline ended/)],
      ['predictions stored', at(/ predictions stored, made by version /)],
      ['succeeded', ended],
    ],
  };
}

/** bare-predict.py on the same file and version, timed from spawn to exit. */
async function baselineRound(version, csv) {
  const uri = `models:/${TEAM}.${PIPELINE}/${version}`;
  const output = join(dir, 'bare-predictions.csv');
  const started = performance.now();
  const { code, output: text } = await runToEnd(
    BUILT.python,
    [BARE_PREDICT, uri, csv, output, data.KEY_COLUMN, ...data.FEATURES],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MLFLOW_TRACKING_URI: ct.mlflowUrl,
      MLFLOW_ALLOW_PICKLE_DESERIALIZATION: 'true',
    },
  );
  const wallS = (performance.now() - started) / 1000;
  const last = text.trim().split('\n').at(-1);
  if (code !== 0) throw new Error(`bare-predict.py exited ${code}: ${text.slice(-2000)}`);
  const parts = JSON.parse(last);
  if (parts.rows !== ROWS) problems.push(`bare-predict.py read ${parts.rows} rows, not ${ROWS}`);
  return { wallS, ...parts };
}

/** --monitor-rows labelled predictions of the champion, then a monitor job over them. */
async function monitor(pipeline, trained) {
  const client = new pg.Client({ connectionString: ct.db.url });
  await client.connect();
  try {
    // The score rounds' predictions (unlabelled) would count in the window: the job sees these rows alone.
    await client.query('DELETE FROM predictions WHERE pipeline_id = $1', [pipeline.id]);
    let started = performance.now();
    const params = [TEAM, pipeline.id, trained.modelVersion, trained.mlflowRunId, MONITOR_ROWS];
    await client.query(data.FILL_PREDICTIONS_SQL, params);
    const insertS = (performance.now() - started) / 1000;
    // As a day's predictions would be by the time they are evaluated: vacuumed and analysed, and no
    // autovacuum of them competes with the monitor job.
    started = performance.now();
    await client.query('VACUUM (ANALYZE) predictions');
    const vacuumS = (performance.now() - started) / 1000;
    const { rows } = await client.query(
      `SELECT pg_total_relation_size('predictions') AS bytes, count(*)::int AS n FROM predictions`,
    );
    m.log(`made ${rows[0].n} labelled predictions in ${insertS.toFixed(1)} s`);
    started = performance.now();
    const { job: queued } = await ct.send('POST', `/v1/pipelines/${pipeline.id}/monitor`, {}, 202);
    const { job, memory, lines } = await ct.watched(queued);
    const at = (pattern) => lineAt(lines, pattern);
    const { items } = await ct.send(
      'GET',
      `/v1/pipelines/${pipeline.id}/performance?limit=1`,
      undefined,
      200,
    );
    const evaluation = items.find((e) => e.jobId === job.id);
    if (!evaluation) throw new Error(`monitor job ${job.id} recorded no evaluation`);
    const [created, running, ended] = [job.createdAt, job.startedAt, job.finishedAt].map(Date.parse);
    const events = await ct.jobEvents(job.id);
    const eventAt = (test) => Date.parse(events.find(test)?.at ?? '');
    return {
      jobId: job.id,
      insertS,
      vacuumS,
      tableMb: Number(rows[0].bytes) / 1024 / 1024,
      wallS: (ended - created) / 1000,
      evaluation,
      memory,
      marks: [
        ['created (API)', created],
        ['running', running],
        ['window exported, child spawned', at(/^pipeline started as process/)],
        ['extraction started', at(/^step extraction started/)],
        ['window read, evaluation started', at(/^step evaluation started/)],
        ['metrics computed', eventAt((e) => e.type === 'metric')],
        // The rest of the evaluation step: the predicted-vs-observed plot, then Evidently's drift report.
        ['plot and drift done', at(/^step evaluation finished/)],
        ['child exited', at(/^pipeline ended/)],
        ['evaluation recorded', at(/^evaluation \S+: /)],
        ['succeeded', ended],
      ],
    };
  } finally {
    await client.end();
  }
}

async function run() {
  ct = await startPlatform({ cleanups, name: 'scoring', team: TEAM });
  dir = ct.dir;
  const trained = await train();
  const platform = [];
  const baseline = [];
  for (let round = 1; round <= ROUNDS; round++) {
    m.log(`round ${round} of ${ROUNDS}: a score job of ${ROWS} rows`);
    platform.push(await platformRound(trained.pipeline.id));
    m.log(`round ${round} of ${ROUNDS}: bare-predict.py on the same rows`);
    baseline.push(await baselineRound(trained.job.modelVersion, trained.csv));
  }
  let monitored = null;
  if (MONITOR_ROWS > 0) {
    m.log(`monitoring: ${MONITOR_ROWS} labelled predictions`);
    monitored = await monitor(trained.pipeline, trained.job);
  }
  const setup = {
    pipeline: PIPELINE,
    team: TEAM,
    model: MODEL,
    version: trained.job.modelVersion,
    databaseHost: new URL(ct.db.url).host,
    mlflowUrl: ct.mlflowUrl,
    redisUrl: ct.redisUrl,
  };
  report({ setup, settings: { ROWS, ROUNDS, MONITOR_ROWS }, platform, baseline, monitored });
}

await main(run);
