// P2 and P3: how soon a job's pipeline starts, warm pool vs cold start, and a whole job through the platform
// vs the same pipeline run by hand:
//   pnpm exec turbo run build && node bench/job-latency.mjs
// Options: --rounds=<n> (5).
// Starts its own API and one worker (apps/*/dist/main.js, WORKER_PYTHON_POOL=1) on a fresh database, its own
// BullMQ prefix and a temp dir, against Redis, Postgres and MLflow from REDIS_URL, DATABASE_URL and
// MLFLOW_TRACKING_URI (or the local defaults). Each round, in a rotating order, runs the README's first job
// (examples/diabetes-lgbm.job.json): through the API forked from the warm pool, through the API with
// `runtime.warm_start: false` (a fresh interpreter), and by hand (`ct-pipeline run`, a fresh interpreter
// that creates its own MLflow run). One of each runs first, unmeasured, so every measured run has a champion
// to be compared with. Prints:
//   P2 start: the worker took the job (state running) -> the pipeline's first step began; warm / cold (goal <= 0.1).
//   P3 end to end: submit -> succeeded seen by the client (polling every 50 ms) vs the by-hand run's wall
//      time; platform / by hand (goal <= 0.5).
// Asserts no speed; exits non-zero only on errors. Removes what it started; the MLflow runs and models stay.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmark, needBuilt, options } from './lib/bench-run.mjs';
import { demoSpec, jobTimings, spread } from './lib/job-timing.mjs';
import { workerLines } from './lib/job-watch.mjs';
import * as m from './lib/measure.mjs';
import { BUILT, startPlatform } from './lib/platform-stack.mjs';

const CT_PIPELINE = fileURLToPath(new URL('../pipeline/.venv/bin/ct-pipeline', import.meta.url));
needBuilt([...Object.values(BUILT), CT_PIPELINE]);
const { runToEnd } = await import(BUILT.testSupport);
const ROUNDS = options({ rounds: { whole: 5, min: 1 } }).rounds;
const TEAM = 'platform';
const PIPELINE = `bench-latency-${randomBytes(4).toString('hex')}`;
const { cleanups, main } = benchmark();
let ct;
let dir;

/** The demo job through the API: client wall time and the job's own marks. */
async function platformRun(warm) {
  const spec = await demoSpec(PIPELINE, { warm_start: warm });
  const started = performance.now();
  const queued = await ct.send('POST', '/v1/jobs', { spec }, 201);
  let job;
  for (;;) {
    job = await ct.send('GET', `/v1/jobs/${queued.id}`, undefined, 200);
    if (job.finishedAt) break;
    await m.sleep(50);
  }
  const wallMs = performance.now() - started;
  if (job.state !== 'succeeded') throw new Error(`job ${job.id} ${job.state}: ${job.failureMessage}`);
  const t = jobTimings(job, await ct.jobEvents(job.id));
  // A run asked to start warm starts cold while the pool is not ready (e.g. restarting after a code change).
  const startLine = workerLines(ct.worker.output(), job.id).find((l) => l.msg.startsWith('pipeline started'));
  const forked = startLine?.msg.includes('forked from the warm pool') ?? false;
  return { wallMs, startMs: t.firstStep - t.running, fit: t.fit, forked };
}

/** The same spec run by hand: `ct-pipeline run spec.json`, its wall time. */
async function byHand() {
  const file = join(dir, 'spec.json');
  await writeFile(file, JSON.stringify(await demoSpec(PIPELINE)));
  const env = { PATH: process.env.PATH, HOME: dir, MLFLOW_TRACKING_URI: ct.mlflowUrl, OMP_NUM_THREADS: '1' };
  const started = performance.now();
  const { code, output } = await runToEnd(CT_PIPELINE, ['run', file], env);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`ct-pipeline run exited ${code}: ${output.slice(-1000)}`);
  return { wallMs };
}

const RUNS = { warm: () => platformRun(true), cold: () => platformRun(false), hand: byHand };

async function run() {
  ct = await startPlatform({
    cleanups,
    name: 'latency',
    team: TEAM,
    env: { WORKER_PYTHON_POOL: '1', OMP_NUM_THREADS: '1' },
  });
  dir = ct.dir;
  await ct.worker.waitForOutput('warm pool ready', 120_000);
  m.log('warm pool ready; one unmeasured run of each kind');
  for (const kind of Object.keys(RUNS)) await RUNS[kind]();
  const results = { warm: [], cold: [], hand: [] };
  const kinds = Object.keys(RUNS);
  for (let round = 0; round < ROUNDS; round++) {
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
    m.log(`round ${round + 1} of ${ROUNDS}: ${order.join(', ')}`);
    for (const kind of order) results[kind].push(await RUNS[kind]());
  }
  report(results);
}

function report(results) {
  const s = (kind, key) => spread(results[kind].map((r) => r[key]));
  const row = (label, x) => [label, x.n, m.fixed(x.p50, 0), m.fixed(x.min, 0), m.fixed(x.max, 0)];
  const forked = (kind) => results[kind].filter((r) => r.forked).length;
  console.log(
    `\nruns forked from the warm pool: ${forked('warm')} of ${results.warm.length} warm, ${forked('cold')} of ${results.cold.length} cold`,
  );
  console.log(
    `\nP2 start: the worker took the job -> the pipeline's first step began (ms), ${ROUNDS} rounds`,
  );
  const [warmStart, coldStart] = [s('warm', 'startMs'), s('cold', 'startMs')];
  m.table(['start', 'n', 'p50', 'min', 'max'], [row('warm pool', warmStart), row('cold start', coldStart)]);
  console.log(`warm / cold (p50): ${m.ratio(warmStart.p50, coldStart.p50)} (goal <= 0.1)`);

  console.log(`\nP3 end to end: the demo job, submit -> succeeded vs ct-pipeline run by hand (ms)`);
  const [warm, cold, hand] = [s('warm', 'wallMs'), s('cold', 'wallMs'), s('hand', 'wallMs')];
  m.table(
    ['run', 'n', 'p50', 'min', 'max'],
    [
      row('platform, warm pool', warm),
      row('platform, cold start', cold),
      row('by hand (ct-pipeline run)', hand),
    ],
  );
  console.log(`the user's model fit (platform, warm) p50: ${m.fixed(s('warm', 'fit').p50, 0)} ms`);
  console.log(`platform (warm) / by hand (p50): ${m.ratio(warm.p50, hand.p50)} (goal <= 0.5)`);
  console.log(`platform (cold) / by hand (p50): ${m.ratio(cold.p50, hand.p50)}`);
}

await main(run);
