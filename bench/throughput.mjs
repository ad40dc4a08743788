// Throughput: many small training jobs through two workers, and the share of their time that is not the
// user's training code:
//   pnpm exec turbo run build && node bench/throughput.mjs
// Options: --jobs=<n> (200), --workers=<n> (2), --concurrency=<n> (2 per worker), --pipelines=<n> (10),
//   --pool=1|0 (the workers' WORKER_PYTHON_POOL, 1).
// Starts its own API and workers (apps/*/dist/main.js) on a fresh database, its own BullMQ prefix and a temp
// dir, against Redis, Postgres and MLflow from REDIS_URL, DATABASE_URL and MLFLOW_TRACKING_URI (or the local
// defaults). Submits --jobs copies of the README's first job (examples/diabetes-lgbm.job.json), spread over
// --pipelines pipelines (jobs of one pipeline take turns at its registered model's lock), all at once, and
// waits for every one. Prints jobs per minute (first submit -> last finished), and where the jobs' running
// time went: the user's model fit (the training step up to "fitted") against everything else (start, data,
// logging the model, evaluation, validation against the champion, registration, MLflow round trips, the
// worker's bookkeeping).
// Asserts no speed; exits non-zero only on errors. Removes what it started; the MLflow runs and models stay.
import { randomBytes } from 'node:crypto';
import { benchmark, needBuilt, options } from './lib/bench-run.mjs';
import { demoSpec, jobTimings, spread, waitAll } from './lib/job-timing.mjs';
import { workerLines } from './lib/job-watch.mjs';
import * as m from './lib/measure.mjs';
import { BUILT, startPlatform } from './lib/platform-stack.mjs';

needBuilt(Object.values(BUILT));
const args = options({
  jobs: { whole: 200, min: 1 },
  workers: { whole: 2, min: 1, max: 8 },
  concurrency: { whole: 2, min: 1, max: 16 },
  pipelines: { whole: 10, min: 1 },
  pool: { whole: 1, min: 0, max: 1 },
});
const { jobs: JOBS, workers: WORKERS, concurrency: CONCURRENCY, pipelines: PIPELINES, pool: POOL } = args;
const TEAM = 'platform';
const PREFIX = `bench-throughput-${randomBytes(3).toString('hex')}`;
const { cleanups, main } = benchmark();

async function run() {
  const env = {
    WORKER_CONCURRENCY: String(CONCURRENCY),
    WORKER_PYTHON_POOL: String(POOL),
    OMP_NUM_THREADS: '1',
    TEAM_MAX_RUNNING_JOBS: String(WORKERS * CONCURRENCY),
  };
  const ct = await startPlatform({ cleanups, name: 'throughput', team: TEAM, env });
  const workers = [ct.worker];
  for (let i = 1; i < WORKERS; i++) workers.push(ct.startWorker());
  for (const worker of workers) {
    await worker.waitForOutput('worker ready', 60_000);
    if (POOL === 1) await worker.waitForOutput('warm pool ready', 120_000);
  }
  m.log(`${WORKERS} workers x ${CONCURRENCY} ready; submitting ${JOBS} jobs over ${PIPELINES} pipelines`);
  const specs = await Promise.all(Array.from({ length: PIPELINES }, (_, i) => demoSpec(`${PREFIX}-${i}`)));
  const started = performance.now();
  const ids = [];
  await m.pool(JOBS, 8, async (i) => {
    const job = await ct.send('POST', '/v1/jobs', { spec: specs[i % PIPELINES] }, 201);
    ids[i] = job.id;
  });
  let shown = 0;
  const jobs = await waitAll(ct.send, ids, {
    onProgress: (done) => {
      if (done - shown < Math.max(1, Math.floor(JOBS / 10))) return;
      shown = done;
      m.log(`${done} of ${JOBS} finished`);
    },
  });
  const wallMs = performance.now() - started;
  const failed = jobs.filter((job) => job.state !== 'succeeded');
  if (failed.length > 0)
    throw new Error(
      `${failed.length} jobs did not succeed: ${m.count(failed, (j) => `${j.state} ${j.failureReason}`)}`,
    );
  const timings = [];
  for (const job of jobs) timings.push(jobTimings(job, await ct.jobEvents(job.id)));
  const output = workers.map((worker) => worker.output()).join('\n');
  const starts = ids.map((id) => {
    const line = workerLines(output, id).find((l) => l.msg.startsWith('pipeline started as process'));
    return line?.msg.includes('warm pool') ? 'warm' : 'cold';
  });
  report(wallMs, timings, starts);
}

function report(wallMs, timings, starts) {
  const running = timings.map((t) => t.finished - t.running);
  const training = timings.map((t) => t.training);
  const fit = timings.map((t) => t.fit);
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const dist = (values) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    return [50, 90, 100].map((p) => m.fixed(m.percentile(sorted, p), 0)).join(' / ');
  };
  const slots = WORKERS * CONCURRENCY;
  console.log(
    `\nThroughput: ${JOBS} demo jobs, ${WORKERS} workers x concurrency ${CONCURRENCY}, pool ${POOL ? 'on' : 'off'} (starts: ${m.count(starts, (s) => s)})`,
  );
  m.table(
    ['figure', 'value'],
    [
      ['wall time, first submit -> last finished (s)', m.fixed(wallMs / 1000, 1)],
      ['jobs per minute', m.fixed(JOBS / (wallMs / 60_000), 1)],
      ['job running time p50 / p90 / max (ms)', dist(running)],
      ['training step p50 (ms)', m.fixed(spread(training).p50, 0)],
      ["the user's model fit p50 / p90 / max (ms)", dist(fit)],
      ["running time outside the user's fit", `${m.fixed(100 * (1 - sum(fit) / sum(running)), 1)} %`],
      [
        "slot time (wall x slots) outside the user's fit",
        `${m.fixed(100 * (1 - sum(fit) / (wallMs * slots)), 1)} %`,
      ],
      ['running time outside the training step', `${m.fixed(100 * (1 - sum(training) / sum(running)), 1)} %`],
    ],
  );
  const steps = {};
  for (const t of timings) {
    for (const [step, ms] of Object.entries(t.steps)) {
      steps[step] ??= [];
      steps[step].push(ms);
    }
  }
  console.log('\nsteps (ms, p50 over jobs)');
  m.table(
    ['step', 'p50'],
    Object.entries(steps).map(([step, ms]) => [step, m.fixed(spread(ms).p50, 0)]),
  );
  const startMs = spread(timings.map((t) => t.firstStep - t.running));
  console.log(`the worker took a job -> its first step began, p50: ${m.fixed(startMs.p50, 0)} ms`);
}

await main(run);
