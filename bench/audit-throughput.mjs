// Throughput of the audit client's file transport, from the built package:
//   pnpm --filter @ct/shared build && node bench/audit-throughput.mjs [events=100000] [chunk=1000]
// Logs `events` events, `chunk` per turn of the event loop, and prints events/s and the event-loop delay.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAuditLog } from '../packages/shared/dist/audit.js';

const events = Number(process.argv[2] ?? 100_000);
const chunk = Number(process.argv[3] ?? 1000);
const dir = await mkdtemp(join(tmpdir(), 'ct-audit-bench-'));
const file = join(dir, 'ct-audit.jsonl');
const config = {
  file,
  spoolDir: join(dir, 'spool'),
  prefix: 'ct',
  iris: null,
  bufferMax: 10_000,
  batchSize: 100,
  retryBaseMs: 200,
  retryMaxMs: 30_000,
};
const audit = createAuditLog(config, { source: 'bench' });
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const started = performance.now();
for (let seq = 0; seq < events; seq++) {
  audit.info('pipeline.step.progress', { seq, jobId: 'bench', step: 'training', progress: seq / events });
  if (seq % chunk === chunk - 1) await new Promise((resolve) => setImmediate(resolve));
}
const logged = performance.now() - started;
await audit.flush();
while (audit.stats().sent < events && audit.stats().dropped === 0) await new Promise((r) => setTimeout(r, 5));
const delivered = performance.now() - started;
delay.disable();
await audit.close();
const lines = (await readFile(file, 'utf8')).split('\n').length - 1;
const ms = (ns) => (ns / 1e6).toFixed(1);
console.log(
  JSON.stringify({
    events,
    chunk,
    linesWritten: lines,
    stats: audit.stats(),
    loggingMs: Math.round(logged),
    deliveredMs: Math.round(delivered),
    eventsPerSecond: Math.round(events / (delivered / 1000)),
    eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
  }),
);
await rm(dir, { recursive: true, force: true });
