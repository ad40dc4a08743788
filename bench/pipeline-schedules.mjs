// What 1,000 registered pipelines with cron schedules cost, from the built API:
//   pnpm exec turbo run build --filter=@ct/api --filter=@ct/test-support && node bench/pipeline-schedules.mjs
// Options: --idle=<s> (30), --pipelines=<n> (1000), --every-minute=<n> (10), --new-data-every=<n> (10; 0: none),
//   --requests=<n> (1000), --concurrency=<n> (16), --redis=private|local (private).
// Starts its own API (apps/api/dist/main.js) on a fresh database and its own BullMQ prefix, with Postgres and
// MLflow from DATABASE_URL and MLFLOW_TRACKING_URI (or the local defaults). Redis is a private redis-server by
// default, so that Redis's figures are this API's alone; --redis=local uses REDIS_URL (or the local default),
// whose figures then include whatever else uses it. Prints figures beside a baseline measured in the same run;
// asserts no speed, exits non-zero only on errors. Removes its APIs, database, BullMQ keys and Redis.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmark, needBuilt, options } from './lib/bench-run.mjs';
import * as m from './lib/measure.mjs';
import { report } from './lib/pipeline-schedules-report.mjs';
import { platformEnv } from './lib/platform-stack.mjs';

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const API_MAIN = root('apps/api/dist/main.js');
needBuilt([API_MAIN, root('packages/test-support/dist/index.js')]);
const { nextTick, QueueName } = await import('../packages/shared/dist/index.js');
const { LOCAL_DEFAULTS } = await import('../packages/shared/dist/runtime.js');
const { freePort, freshDatabase, startChild, startPrivateRedis } = await import(
  '../packages/test-support/dist/index.js'
);
const fromApi = createRequire(root('apps/api/package.json'));
const { Redis } = fromApi('ioredis');
const { Queue } = fromApi('bullmq');
const pg = fromApi('pg');

const args = options({
  idle: { whole: 30, min: 5 },
  pipelines: { whole: 1000, min: 1 },
  'every-minute': { whole: 10 },
  'new-data-every': { whole: 10 },
  requests: { whole: 1000, min: 1 },
  concurrency: { whole: 16, min: 1 },
  redis: { text: 'private' },
});
const IDLE_S = args.idle;
const PIPELINES = args.pipelines;
const EVERY_MINUTE = Math.min(args['every-minute'], PIPELINES);
const NEW_DATA_EVERY = args['new-data-every'];
const REQUESTS = args.requests;
const CONCURRENCY = args.concurrency;
if (!['private', 'local'].includes(args.redis)) {
  console.error(`--redis must be private or local, not ${args.redis}`);
  process.exit(1);
}
// Start-up and a burst of creations leave work behind (first resync, reconciler, GC) that is not idleness.
const SETTLE_MS = 5_000;
// The seconds after a minute boundary that count as the every-minute pipelines' tick burst.
const TICK_SPAN_MS = 5_000;
const EVERY_MINUTE_CRON = '* * * * *';
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Asia/Kolkata'];
const KINDS = [
  { kind: 'hourly', weight: 40, cron: (min) => `${min} * * * *` },
  { kind: 'every 6 h', weight: 10, cron: (min) => `${min} */6 * * *` },
  { kind: 'daily', weight: 30, cron: (min, hour) => `${min} ${hour} * * *` },
  { kind: 'weekdays', weight: 15, cron: (min, hour) => `${min} ${hour} * * 1-5` },
  { kind: 'weekly', weight: 3, cron: (min, hour) => `${min} ${hour} * * 0` },
  { kind: 'monthly', weight: 2, cron: (min, hour) => `${min} ${hour} 1 * *` },
];

const { cleanups, problems, main } = benchmark();

// --- what runs: Redis, a fresh database, the APIs ------------------------------------------------------
const privateRedis = args.redis === 'private' ? await startPrivateRedis({ appendonly: true }) : null;
if (privateRedis) cleanups.add('private Redis', () => privateRedis.remove());
const redisUrl = privateRedis?.url ?? process.env.REDIS_URL ?? LOCAL_DEFAULTS.REDIS_URL;
const mlflowUrl = process.env.MLFLOW_TRACKING_URI ?? LOCAL_DEFAULTS.MLFLOW_TRACKING_URI;
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
cleanups.add('Redis connection', () => redis.quit());
const redisCmds = async () => Number((await m.redisInfo(redis)).total_commands_processed);
const db = await freshDatabase();
cleanups.add('database', () => db.drop());
const auditDir = await mkdtemp(join(tmpdir(), 'ct-bench-audit-'));
cleanups.add('audit folder', () => rm(auditDir, { recursive: true, force: true }));
const PREFIX = `ct-bench-${randomUUID().slice(0, 8)}`;
const RESYNC_PREFIX = `${PREFIX}-resync`;
const adminKey = `ct_bench_${randomBytes(24).toString('base64url')}`;
const call = m.caller({ authorization: `Bearer ${adminKey}` });
// Added now, so that it runs after the APIs stop (newest first) and before the Redis connection closes.
cleanups.add('BullMQ keys', async () => {
  let removed = 0;
  for (const prefix of [PREFIX, RESYNC_PREFIX])
    await scanKeys(prefix, async (keys) => (removed += await redis.del(...keys)));
  m.log(`removed ${removed} BullMQ keys`);
});

async function startApi(extraEnv = {}) {
  const port = await freePort();
  const child = startChild(process.execPath, [API_MAIN], {
    ...platformEnv({
      redisUrl,
      databaseUrl: db.url,
      mlflowUrl,
      prefix: PREFIX,
      port,
      adminKey,
      team: 'platform',
    }),
    TEAM_MAX_RUNNING_JOBS: '100000',
    TEAM_MAX_QUEUED_JOBS: '10000000',
    AUDIT_FILE: join(auditDir, `audit-${port}.jsonl`),
    ...extraEnv,
  });
  cleanups.add(`API on port ${port}`, () => child.stop('SIGTERM', 15_000));
  await child.waitForOutput(`listening on http://127.0.0.1:${port}`, 60_000);
  return { child, pid: child.process.pid, url: `http://127.0.0.1:${port}` };
}

/** The time and message of the API's first JSON log line whose message contains `text`. */
function logLine(child, text) {
  for (const line of child.output().split('\n')) {
    try {
      const { time, msg } = JSON.parse(line);
      if (String(msg).includes(text)) return { at: Date.parse(time), msg };
    } catch {}
  }
  throw new Error(`the API logged no line with "${text}"`);
}

/** The API's V8 heap in use, from its Prometheus metrics (garbage not yet collected counts). */
async function heapMb(url) {
  const { status, text } = await call('GET', `${url}/metrics`);
  const used = /^ct_api_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1];
  return status === 200 && used ? Number(used) / 1024 / 1024 : Number.NaN;
}

/** Every page of `GET /v1/pipelines?limit=`: the cursor of each page (null for the first) and the items. */
async function pages(url, limit) {
  const cursors = [];
  const items = [];
  let cursor = null;
  do {
    cursors.push(cursor);
    const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { status, text } = await call('GET', `${url}/v1/pipelines?limit=${limit}${query}`);
    if (status !== 200) throw new Error(`GET /v1/pipelines answered ${status}: ${text.slice(0, 300)}`);
    const page = JSON.parse(text);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { cursors, items };
}

/** Runs `each` on every batch of keys under the BullMQ prefix. */
async function scanKeys(prefix, each) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== '0');
}

async function countKeys(prefix) {
  let total = 0;
  await scanKeys(prefix, (keys) => (total += keys.length));
  return total;
}

// --- the pipelines: a spread of schedules that stay quiet while the bench runs, and a few every minute ----
function definitions(quietFrom, quietUntil) {
  const pick = m.seededRandom(13);
  const spec = (name) => ({
    pipeline: name,
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 0.5 } },
  });
  const all = [];
  for (let i = 0; i < EVERY_MINUTE; i++) {
    const name = `bench-every-minute-${String(i).padStart(2, '0')}`;
    const schedule = { cron: EVERY_MINUTE_CRON, timezone: 'UTC' };
    all.push({ kind: 'every minute', body: { spec: spec(name), schedule } });
  }
  for (let i = 0; all.length < PIPELINES; i++) {
    const roll = pick(100);
    const { kind, cron } = KINDS.find(
      (_, k) => KINDS.slice(0, k + 1).reduce((sum, x) => sum + x.weight, 0) > roll,
    );
    const timezone = ZONES[pick(ZONES.length)];
    let schedule;
    for (let tries = 0; !schedule && tries < 500; tries++) {
      const candidate = { cron: cron(pick(60), pick(24)), timezone };
      if (nextTick(candidate, quietFrom) > quietUntil) schedule = candidate;
    }
    if (!schedule)
      throw new Error(`no ${kind} schedule in ${timezone} stays quiet until ${quietUntil.toISOString()}`);
    const body = { spec: spec(`bench-p-${String(i).padStart(4, '0')}`), schedule };
    if (NEW_DATA_EVERY > 0 && i % NEW_DATA_EVERY === 0) body.triggers = { newData: { minNewRows: 10_000 } };
    all.push({ kind, body });
  }
  return all;
}

// --- the phases ----------------------------------------------------------------------------------------
async function createAll(api, defs) {
  m.log(`creating ${defs.length} pipelines at concurrency ${CONCURRENCY}`);
  const latencies = [];
  const started = performance.now();
  await m.pool(defs.length, CONCURRENCY, async (i) => {
    const { status, ms, text } = await call('POST', `${api.url}/v1/pipelines`, defs[i].body);
    if (status !== 201) throw new Error(`POST /v1/pipelines answered ${status}: ${text.slice(0, 300)}`);
    latencies.push(ms);
  });
  const perSecond = defs.length / ((performance.now() - started) / 1000);
  latencies.sort((a, b) => a - b);
  const [p50, p99] = [m.percentile(latencies, 50), m.percentile(latencies, 99)];
  return { perSecond, p50, p99, max: latencies.at(-1) };
}

/** The idle window with every schedule held, placed so that a minute boundary (a burst of ticks) falls in it. */
async function idleWithSchedules(api, defs) {
  await m.sleep(SETTLE_MS);
  const boundary = Math.ceil((Date.now() + 2_000) / 60_000) * 60_000;
  if (EVERY_MINUTE > 0 && IDLE_S >= 15 && boundary + TICK_SPAN_MS + 2_000 > Date.now() + IDLE_S * 1000) {
    const waitMs = boundary - Math.floor((IDLE_S * 1000) / 2) - Date.now();
    m.log(`waiting ${Math.round(waitMs / 1000)} s so that a minute boundary falls inside the idle window`);
    await m.sleep(waitMs);
  }
  m.log(`idle with ${defs.length} schedules for ${IDLE_S} s`);
  const samples = await m.everySecond(m.sampler(api.pid, redis), IDLE_S);
  const heap = await heapMb(api.url);
  const [from, to] = [samples[0].at, samples.at(-1).at];
  const ticks = [];
  for (const def of defs.filter((d) => d.kind === 'every minute')) {
    const path = `/v1/pipelines/${def.body.spec.pipeline}/triggers?limit=200`;
    const { status, text } = await call('GET', `${api.url}${path}`);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${text.slice(0, 300)}`);
    for (const record of JSON.parse(text).items) {
      const at = Date.parse(record.figures.tickAt ?? record.firedAt);
      if (record.kind === 'schedule' && at >= from && at <= to) ticks.push(record);
    }
  }
  return { samples, heap, keys: await countKeys(PREFIX), ticks };
}

async function requests(api, names) {
  m.log(`GET requests: ${REQUESTS} each at concurrency ${CONCURRENCY}`);
  const by50 = await pages(api.url, 50);
  const by200 = await pages(api.url, 200);
  const pageOf = (limit, cursors) => (i) => {
    const cursor = cursors[i % cursors.length];
    return `${api.url}/v1/pipelines?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  };
  const inTurn = (cursors) => (cursors.length === 1 ? 'its one page' : `its ${cursors.length} pages in turn`);
  const shuffle = m.seededRandom(7);
  const anyName = () => names[shuffle(names.length)];
  const runs = [
    ['GET /health/live (the floor)', () => `${api.url}/health/live`],
    [`GET /v1/pipelines?limit=50 (${inTurn(by50.cursors)})`, pageOf(50, by50.cursors)],
    [`GET /v1/pipelines?limit=200 (${inTurn(by200.cursors)})`, pageOf(200, by200.cursors)],
    ['GET /v1/pipelines/:name', () => `${api.url}/v1/pipelines/${anyName()}`],
    [
      '  MLflow registered-models/get (:name asks it)',
      () => `${mlflowUrl}/api/2.0/mlflow/registered-models/get?name=platform.${anyName()}`,
      [200, 404],
    ],
  ];
  const rows = [];
  for (const [label, urlOf, ok] of runs) {
    const row = await m.load({ call, label, urlOf, requests: REQUESTS, concurrency: CONCURRENCY, ok });
    if (row.failures.length > 0)
      problems.push(`${label}: ${row.failures.length} unexpected answers, the first: ${row.failures[0]}`);
    rows.push(row);
  }
  const started = performance.now();
  await pages(api.url, 200);
  return { rows, listAllMs: performance.now() - started, pages200: by200.cursors.length };
}

/** A new API process on the same database and an empty BullMQ prefix adds every schedule at start-up. */
async function coldResync(startupCmds) {
  m.log('resync: a second API on an empty BullMQ prefix, same database');
  const before = await redisCmds();
  const api = await startApi({ BULLMQ_PREFIX: RESYNC_PREFIX });
  await api.child.waitForOutput('schedules resynced', 120_000);
  const cmds = (await redisCmds()) - before - 1 - startupCmds;
  const listening = logLine(api.child, 'listening on');
  const resynced = logLine(api.child, 'schedules resynced');
  await api.child.stop('SIGTERM', 15_000);
  return { ms: resynced.at - listening.at, msg: resynced.msg, cmds };
}

/** The two reads of ScheduleSync.resync when BullMQ already holds every schedule, timed from here. */
async function warmResync(prefix) {
  const runs = 5;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Triggers, { connection, prefix });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const [pgMs, bullMs] = [[], []];
  let cmds = 0;
  try {
    await queue.getJobSchedulers(0, -1, true);
    for (let i = 0; i < runs; i++) {
      let started = performance.now();
      await client.query('SELECT id, schedule FROM pipelines WHERE enabled AND schedule IS NOT NULL');
      pgMs.push(performance.now() - started);
      const before = await redisCmds();
      started = performance.now();
      const held = await queue.getJobSchedulers(0, -1, true);
      bullMs.push(performance.now() - started);
      cmds = (await redisCmds()) - before - 1;
      if (held.length !== PIPELINES) problems.push(`BullMQ held ${held.length} schedulers, not ${PIPELINES}`);
    }
  } finally {
    await client.end();
    await queue.close();
    await connection.quit();
  }
  pgMs.sort((a, b) => a - b);
  bullMs.sort((a, b) => a - b);
  return {
    runs,
    pgP50: m.percentile(pgMs, 50),
    bullP50: m.percentile(bullMs, 50),
    bullMax: bullMs.at(-1),
    cmds,
  };
}

// --- the run -------------------------------------------------------------------------------------------
async function run() {
  const { redis_version: redisVersion } = await m.redisInfo(redis);
  const beforeStart = await redisCmds();
  const api = await startApi();
  const startupCmds = (await redisCmds()) - beforeStart - 1;
  m.log(`API pid ${api.pid} at ${api.url}, BullMQ prefix ${PREFIX}; settling ${SETTLE_MS / 1000} s`);
  await m.sleep(SETTLE_MS);
  m.log(`baseline: idle with 0 pipelines for ${IDLE_S} s`);
  const samples = await m.everySecond(m.sampler(api.pid, redis), IDLE_S);
  const baseline = { samples, heap: await heapMb(api.url), keys: await countKeys(PREFIX) };

  // The quiet schedules are not due until well after the run ends; the every-minute ones tick throughout.
  const quietFrom = new Date(Date.now() - 60_000);
  const quietUntil = new Date(Date.now() + (2 * IDLE_S + 300) * 1000 + 15 * 60_000);
  const defs = definitions(quietFrom, quietUntil);
  const created = await createAll(api, defs);
  const listed = (await pages(api.url, 200)).items;
  if (listed.length !== defs.length)
    problems.push(`GET /v1/pipelines listed ${listed.length}, not ${defs.length}`);
  const isQuiet = (p) => p.schedule?.cron !== EVERY_MINUTE_CRON;
  const earliest = Math.min(...listed.filter(isQuiet).map((p) => Date.parse(p.nextRunAt)));
  const loaded = await idleWithSchedules(api, defs);
  const http = await requests(
    api,
    listed.map((p) => p.name),
  );
  const fired = (await pages(api.url, 200)).items.filter((p) => isQuiet(p) && p.lastTrigger);
  await api.child.stop('SIGTERM', 15_000);
  const cold = await coldResync(startupCmds);
  const warm = await warmResync(RESYNC_PREFIX);
  const redisIs = privateRedis
    ? "a private redis-server (appendonly everysec): its figures are this API's alone"
    : `${redisUrl}, shared: its figures include every other client's`;
  const setup = { prefix: PREFIX, redisIs, redisVersion, databaseHost: new URL(db.url).host, mlflowUrl };
  const settings = { IDLE_S, REQUESTS, CONCURRENCY, EVERY_MINUTE, EVERY_MINUTE_CRON, TICK_SPAN_MS };
  report({ setup, settings, defs, quietUntil, earliest, fired, created, baseline, loaded, http, cold, warm });
}

await main(run);
