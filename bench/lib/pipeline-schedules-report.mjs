// The figures of bench/pipeline-schedules.mjs, printed as tables.
import * as m from './measure.mjs';

/** Whether the step from sample a to b overlaps the first `spanMs` after a minute boundary (when ticks fire). */
export const inTickBurst = (spanMs) => (a, b) => {
  const minute = Math.floor(b.at / 60_000) * 60_000;
  return b.at > minute && a.at < minute + spanMs;
};

/** Prints the run's figures: `setup` says what ran, `settings` the options, the rest what was measured. */
export function report(f) {
  const { fixed, ratio, count, table } = m;
  const { prefix, redisIs, redisVersion, databaseHost, mlflowUrl } = f.setup;
  const { IDLE_S, REQUESTS, CONCURRENCY, EVERY_MINUTE, EVERY_MINUTE_CRON, TICK_SPAN_MS } = f.settings;
  const burstStep = inTickBurst(TICK_SPAN_MS);
  const betweenTicks = (a, b) => !burstStep(a, b);
  const n = f.defs.length;
  const quietDefs = f.defs.filter((d) => d.kind !== 'every minute');
  const moments = (figures, at) => Object.assign(figures, { heapMb: at.heap, keys: at.keys });
  const base = moments(m.rates(f.baseline.samples), f.baseline);
  const quiet = moments(m.rates(f.loaded.samples, betweenTicks), f.loaded);
  const all = moments(m.rates(f.loaded.samples), f.loaded);
  console.log(`\nct pipeline schedules benchmark, ${new Date().toISOString()}`);
  console.log(
    `  one API process (apps/api/dist/main.js), BullMQ prefix ${prefix}, the admin key of team platform`,
  );
  console.log(`  Redis ${redisVersion}: ${redisIs}`);
  console.log(`  Postgres: a fresh database on ${databaseHost}; MLflow: ${mlflowUrl}`);
  console.log(`  ${quietDefs.length} quiet schedules: ${count(quietDefs, (d) => d.kind)}`);
  console.log(`    in ${count(quietDefs, (d) => d.body.schedule.timezone)}`);
  console.log(
    `    none due before ${f.quietUntil.toISOString()} (the earliest: ${new Date(f.earliest).toISOString()})`,
  );
  const newData = quietDefs.filter((d) => d.body.triggers).length;
  if (newData > 0) console.log(`    ${newData} of them also have a new-data trigger (counted from arrivals)`);
  console.log(
    `  ${EVERY_MINUTE} every minute ('${EVERY_MINUTE_CRON}' UTC, bench-every-minute-*): what a tick costs`,
  );

  console.log(`\nCreating ${n} pipelines (POST /v1/pipelines, concurrency ${CONCURRENCY})`);
  const c = f.created;
  table(
    ['pipelines/s', 'p50 ms', 'p99 ms', 'max ms'],
    [[c.perSecond, c.p50, c.p99, c.max].map((v) => fixed(v))],
  );

  console.log(
    `\nIdle, ${IDLE_S} s windows sampled each second; ratio and per schedule: between ticks vs 0 pipelines`,
  );
  const row = (label, key, digits, unit, scale, perDigits = 3) => [
    label,
    ...[base, quiet, all].map((figures) => fixed(figures[key], digits)),
    ratio(quiet[key], base[key]),
    `${m.signed(((quiet[key] - base[key]) * scale) / n, perDigits)} ${unit}`,
  ];
  table(
    ['', '0 pipelines', `${n}: between ticks`, `${n}: whole window`, 'ratio', 'per schedule'],
    [
      row('API CPU, % of a core', 'apiCpuPct', 3, 'µs CPU/s', 10_000),
      row('API RSS, MB', 'rssMb', 1, 'KB', 1024, 1),
      row('API heap used, MB (/metrics)', 'heapMb', 1, 'KB', 1024, 1),
      row('Redis CPU, % of a core', 'redisCpuPct', 3, 'µs CPU/s', 10_000),
      row('Redis commands/s', 'redisCmdsPerS', 2, 'commands/s', 1, 4),
      row('Redis memory, MB', 'redisMemoryMb', 2, 'KB', 1024, 2),
      row('BullMQ keys', 'keys', 0, 'keys', 1, 2),
    ],
  );
  console.log('  RSS is the mean over the window; heap, Redis memory and keys are figures at its end');
  const ticks = f.loaded.ticks;
  if (ticks.length === 0)
    console.log('  ticks in the window: none (it held no minute boundary): no per-tick figures');
  else {
    const burst = m.totals(f.loaded.samples, burstStep);
    const calm = m.totals(f.loaded.samples, betweenTicks);
    const perTick = (key) => fixed((burst[key] - (calm[key] / calm.ms) * burst.ms) / ticks.length, 2);
    const outcomes = count(ticks, (t) =>
      t.outcome === 'started' ? 'started a run' : `suppressed ${t.reason}`,
    );
    console.log(
      `  ticks in the window: ${ticks.length} (${outcomes}); the burst: ${TICK_SPAN_MS / 1000} s from the minute`,
    );
    console.log(
      `  one tick, above the rate between ticks: API CPU ${perTick('cpuMs')} ms, ` +
        `Redis CPU ${perTick('redisCpuMs')} ms, ${perTick('redisCmds')} Redis commands`,
    );
  }
  const fired = f.fired.map((p) => p.name).join(', ');
  console.log(`  quiet schedules that fired during the run: ${f.fired.length}${fired ? ` (${fired})` : ''}`);

  console.log(
    `\nGET with ${n} pipelines, ${REQUESTS} requests each (after 50 to warm up), concurrency ${CONCURRENCY}`,
  );
  const floor = f.http.rows[0];
  table(
    ['', 'p50 ms', 'p99 ms', 'max ms', 'req/s', 'KB/answer', 'p99 ratio', 'req/s ratio'],
    f.http.rows.map((h) => [
      h.label,
      ...[h.p50, h.p99, h.max].map((v) => fixed(v)),
      fixed(h.rps, 0),
      fixed(h.kb),
      ratio(h.p99, floor.p99),
      ratio(h.rps, floor.rps),
    ]),
  );
  console.log(
    `  all ${n} by pages of 200, one request after another (${f.http.pages200}): ${fixed(f.http.listAllMs, 0)} ms`,
  );

  console.log(`\nResync with ${n} schedules`);
  console.log(
    `  cold, adding every schedule (a new API process, same database, empty BullMQ prefix): ${fixed(f.cold.ms, 0)} ms`,
  );
  console.log(
    `    from its 'listening' log line to '${f.cold.msg}'; ${f.cold.cmds} Redis commands ` +
      `(${fixed(f.cold.cmds / n, 1)} a schedule; an empty API's start-up commands taken off)`,
  );
  console.log(
    `  warm, nothing to change: its two reads (PipelineStore.scheduled's query, BullMQ getJobSchedulers) ` +
      `timed from the bench, ${f.warm.runs} times:`,
  );
  console.log(
    `    Postgres p50 ${fixed(f.warm.pgP50)} ms, BullMQ p50 ${fixed(f.warm.bullP50)} ms ` +
      `(max ${fixed(f.warm.bullMax)}), ${f.warm.cmds} Redis commands; ` +
      `every PIPELINE_SCHEDULE_RESYNC_MS (300 s by default) in each API process`,
  );
}
