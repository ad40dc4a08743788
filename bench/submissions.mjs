// P1, submissions: `POST /v1/jobs` per second at a concurrency, beside its floor measured in the same run:
//   pnpm exec turbo run build && node bench/submissions.mjs
// Options: --jobs=<n> jobs per round and side (2000), --rounds=<n> (3), --concurrency=<n> (64),
//   --cpu-prof=<dir>: the API writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
// Starts the built API alone (apps/api/dist/main.js; no worker, so every job waits in its queue) on a fresh
// database and its own BullMQ prefix, against Redis and Postgres from REDIS_URL and DATABASE_URL (or the local
// defaults). The floor is one INSERT of a job row plus one BullMQ `Queue.add` per job, on the same Postgres
// and Redis, no HTTP (bench/lib/submission-floor.mjs). Rounds alternate floor and API, each --jobs jobs at
// --concurrency at once; the report gives each round's jobs/s, p50 and p99, and the ratio API / floor of the
// medians. Goal: >= 0.5 of the floor, p99 < 100 ms. Asserts no speed; exits non-zero only on errors (a
// request that is not 201, rows or BullMQ jobs missing). Removes its processes, database and BullMQ keys.
import { benchmark, needBuilt, options } from './lib/bench-run.mjs';
import * as m from './lib/measure.mjs';
import { BUILT, startPlatform } from './lib/platform-stack.mjs';
import { submissionBody, submissionFloor } from './lib/submission-floor.mjs';

needBuilt([BUILT.api, BUILT.testSupport]);
const args = options({
  jobs: { whole: 2000, min: 10 },
  rounds: { whole: 3, min: 1 },
  concurrency: { whole: 64, min: 1 },
  'cpu-prof': { text: undefined },
});
const { jobs: JOBS, rounds: ROUNDS, concurrency: CONCURRENCY } = args;
const TEAM = 'platform';
const FLOOR_TEAM = 'bench-floor';
const WARM_UP = Math.min(200, JOBS);
// The team's quota must not refuse the benchmark's own jobs (the default is 10,000 queued).
const QUOTA = String(Math.max(10_000, (JOBS + WARM_UP) * (ROUNDS + 1)));

const { cleanups, problems, main } = benchmark();

/** `count` calls of `one` at CONCURRENCY: jobs/s, latency percentiles, and the API's CPU per job. */
async function round(label, count, one, apiPid) {
  const latencies = [];
  const cpuBefore = await m.cpuMsOf(apiPid);
  const started = performance.now();
  await m.pool(count, CONCURRENCY, async () => {
    const t = performance.now();
    await one();
    latencies.push(performance.now() - t);
  });
  const wallMs = performance.now() - started;
  const apiCpuMs = (await m.cpuMsOf(apiPid)) - cpuBefore;
  latencies.sort((a, b) => a - b);
  return {
    label,
    perS: count / (wallMs / 1000),
    p50: m.percentile(latencies, 50),
    p99: m.percentile(latencies, 99),
    apiCpuMsPerJob: apiCpuMs / count,
  };
}

async function run() {
  const ct = await startPlatform({
    cleanups,
    name: 'submissions',
    team: TEAM,
    worker: false,
    cpuProf: args['cpu-prof'],
    env: { TEAM_MAX_QUEUED_JOBS: QUOTA },
  });
  const floor = await submissionFloor({
    apiMain: BUILT.api,
    databaseUrl: ct.db.url,
    redisUrl: ct.redisUrl,
    prefix: ct.prefix,
    team: FLOOR_TEAM,
  });
  cleanups.add('floor connections', () => floor.close());
  const apiPid = ct.api.process.pid;
  const body = submissionBody('bench-submissions');
  const viaApi = async () => {
    const { status, text } = await ct.call('POST', `${ct.apiUrl}/v1/jobs`, body);
    if (status !== 201 && problems.length < 5) problems.push(`POST /v1/jobs answered ${status}: ${text}`);
  };

  m.log(`warming up (${WARM_UP} jobs each side)`);
  await round('warm-up floor', WARM_UP, floor.add, apiPid);
  await round('warm-up api', WARM_UP, viaApi, apiPid);
  const results = [];
  for (let r = 1; r <= ROUNDS; r++) {
    m.log(`round ${r}/${ROUNDS}: ${JOBS} jobs through the floor, then through the API`);
    results.push({ round: r, ...(await round('floor', JOBS, floor.add, apiPid)) });
    results.push({ round: r, ...(await round('api', JOBS, viaApi, apiPid)) });
  }
  await check(ct);
  report(results);
}

/** Every job is a row and a BullMQ job: the benchmark measured real submissions. */
async function check(ct) {
  const expected = (JOBS * ROUNDS + WARM_UP) * 2;
  const { Client } = (await import('node:module')).createRequire(BUILT.api)('pg');
  const client = new Client({ connectionString: ct.db.url });
  await client.connect();
  const [{ rows }, bullCount] = await Promise.all([
    client.query('SELECT count(*)::int AS n FROM jobs'),
    ct.redis.zcard(`${ct.prefix}:ct-training:prioritized`),
  ]).finally(() => client.end());
  const waiting = bullCount + (await ct.redis.llen(`${ct.prefix}:ct-training:wait`));
  if (rows[0].n !== expected) problems.push(`${rows[0].n} job rows, not ${expected}`);
  if (waiting !== expected) problems.push(`${waiting} BullMQ jobs waiting, not ${expected}`);
}

function report(results) {
  console.log(`\nP1 submissions: ${JOBS} jobs a round, ${CONCURRENCY} at once, ${ROUNDS} round(s)`);
  m.table(
    ['round', 'side', 'jobs/s', 'p50 ms', 'p99 ms', 'api cpu ms/job'],
    results.map((r) => [
      r.round,
      r.label,
      m.fixed(r.perS, 0),
      m.fixed(r.p50),
      m.fixed(r.p99),
      r.label === 'api' ? m.fixed(r.apiCpuMsPerJob, 2) : '-',
    ]),
  );
  const median = (label, field) => {
    const values = results
      .filter((r) => r.label === label)
      .map((r) => r[field])
      .sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  const [api, floor] = [median('api', 'perS'), median('floor', 'perS')];
  const apiP99 = Math.max(...results.filter((r) => r.label === 'api').map((r) => r.p99));
  console.log(
    `\napi ${m.fixed(api, 0)} jobs/s vs floor ${m.fixed(floor, 0)} jobs/s (medians): ` +
      `${m.ratio(api, floor)} of the floor (goal >= 0.5); api p99 at most ${m.fixed(apiP99)} ms ` +
      '(goal < 100 ms)',
  );
}

await main(run);
