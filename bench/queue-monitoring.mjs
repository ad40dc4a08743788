// P4, queue monitoring: with many waiting jobs, the p99 of the monitoring routes beside `GET /health/live`:
//   pnpm exec turbo run build && node bench/queue-monitoring.mjs
// Options: --jobs=<n> waiting jobs (100000), --rounds=<n> (3), --requests=<n> per route and round (300),
//   --concurrency=<n> (8), --cpu-prof=<dir>: the API writes a V8 CPU profile there when it stops.
// Starts the built API alone (apps/api/dist/main.js; no worker, so the jobs wait) on a fresh database and its
// own BullMQ prefix, against Redis and Postgres from REDIS_URL and DATABASE_URL (or the local defaults). Fills
// the training queue in bulk with what submissions leave (bench/lib/queue-fill.mjs): a queued row, its first
// event and a BullMQ job each. Then, in interleaved rounds, `GET /health/live`, `GET /v1/queues` and
// `GET /v1/jobs?limit=50` (with the admin key, and with a key of the jobs' team). Reports p50, p99 and
// requests/s of each, and each route's p99 over the health check's (goal <= 5x). Asserts no speed; exits
// non-zero only on errors. Removes its processes, database and BullMQ keys.
import { benchmark, needBuilt, options } from './lib/bench-run.mjs';
import * as m from './lib/measure.mjs';
import { BUILT, startPlatform } from './lib/platform-stack.mjs';
import { fillQueue } from './lib/queue-fill.mjs';

needBuilt([BUILT.api, BUILT.testSupport]);
const args = options({
  jobs: { whole: 100_000, min: 1 },
  rounds: { whole: 3, min: 1 },
  requests: { whole: 300, min: 10 },
  concurrency: { whole: 8, min: 1 },
  'cpu-prof': { text: undefined },
});
const JOBS = args.jobs;
const ROUNDS = args.rounds;
const REQUESTS = args.requests;
const CONCURRENCY = args.concurrency;
const TEAM = 'platform';
const { cleanups, problems, main } = benchmark();

async function run() {
  const ct = await startPlatform({
    cleanups,
    name: 'queue-monitoring',
    team: TEAM,
    worker: false,
    cpuProf: args['cpu-prof'],
    env: { TEAM_MAX_QUEUED_JOBS: String(Math.max(10_000, JOBS + 1000)) },
  });
  let started = performance.now();
  await fillQueue({
    apiMain: BUILT.api,
    databaseUrl: ct.db.url,
    redisUrl: ct.redisUrl,
    prefix: ct.prefix,
    team: TEAM,
    count: JOBS,
    pipeline: 'bench-queue-monitoring',
  });
  m.log(`${JOBS} waiting jobs stored and queued in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const teamKey = await ct.send('POST', '/v1/keys', { team: TEAM, role: 'viewer', name: 'bench' }, 201);
  const asTeam = m.caller({ authorization: `Bearer ${teamKey.key}` });
  await check(ct);

  const routes = [
    ['GET /health/live', ct.call, '/health/live'],
    ['GET /v1/queues', ct.call, '/v1/queues'],
    ['GET /v1/jobs?limit=50 (admin)', ct.call, '/v1/jobs?limit=50'],
    ['GET /v1/jobs?limit=50 (team)', asTeam, '/v1/jobs?limit=50'],
  ];
  const results = [];
  started = performance.now();
  for (let round = 1; round <= ROUNDS; round++)
    for (const [label, call, path] of routes) {
      const result = await m.load({
        call,
        label,
        urlOf: () => `${ct.apiUrl}${path}`,
        requests: REQUESTS,
        concurrency: CONCURRENCY,
      });
      for (const failure of result.failures.slice(0, 3)) problems.push(`${label}: ${failure}`);
      results.push({ round, ...result });
    }
  m.log(`measured in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  report(results);
}

/** The queue holds the jobs as waiting, and the API says so. */
async function check(ct) {
  const { items } = await ct.send('GET', '/v1/queues', undefined, 200);
  const training = items.find((queue) => queue.name === 'ct-training');
  const waiting = (training?.counts.waiting ?? 0) + (training?.counts.prioritized ?? 0);
  if (waiting !== JOBS) problems.push(`GET /v1/queues counts ${waiting} waiting jobs, not ${JOBS}`);
}

function report(results) {
  console.log(
    `\nP4 queue monitoring: ${JOBS} waiting jobs, ${REQUESTS} requests a route and round, ` +
      `${CONCURRENCY} at once, ${ROUNDS} round(s)`,
  );
  m.table(
    ['route', 'round', 'p50 ms', 'p99 ms', 'req/s', 'KB'],
    results.map((r) => [r.label, r.round, m.fixed(r.p50), m.fixed(r.p99), m.fixed(r.rps, 0), m.fixed(r.kb)]),
  );
  const medianP99 = (label) => {
    const values = results
      .filter((r) => r.label === label)
      .map((r) => r.p99)
      .sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  const health = medianP99('GET /health/live');
  console.log(`\nmedian p99 over the rounds, against GET /health/live (${m.fixed(health)} ms); goal <= 5x`);
  for (const label of [...new Set(results.map((r) => r.label))].slice(1))
    console.log(`  ${label}: ${m.fixed(medianP99(label))} ms, ${m.ratio(medianP99(label), health)}`);
}

await main(run);
