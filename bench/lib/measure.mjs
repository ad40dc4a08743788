// What the benchmarks in bench/ measure with: a process and a Redis sampled while idle, HTTP requests at a
// concurrency, and the tables they print.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;

export const log = (message) => console.error(`[bench] ${message}`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Steps that undo what a benchmark started, run newest first; a failing step does not stop the others. */
export function cleanups() {
  const steps = [];
  return {
    add: (what, step) => steps.push([what, step]),
    run: async () => {
      const errors = [];
      while (steps.length > 0) {
        const [what, step] = steps.pop();
        try {
          await step();
        } catch (error) {
          errors.push(`cleaning up (${what}): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return errors;
    },
  };
}

/** Redis's INFO (the default sections) as fields. */
export async function redisInfo(redis) {
  const fields = {};
  for (const line of (await redis.info()).split('\r\n')) {
    const [key, value] = line.split(':');
    if (value !== undefined) fields[key] = value;
  }
  return fields;
}

/** CPU time (user + system) a process has used so far, in ms. */
export async function cpuMsOf(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Samples a process (CPU and RSS from /proc) and a Redis server (CPU, commands, memory from INFO). */
export function sampler(pid, redis) {
  return async () => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const info = await redisInfo(redis);
    return {
      at: Date.now(),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK,
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]),
      redisCpuMs: (Number(info.used_cpu_sys) + Number(info.used_cpu_user)) * 1000,
      redisCmds: Number(info.total_commands_processed),
      redisMemory: Number(info.used_memory),
    };
  };
}

/** A sample at the start and one each second after it, for `seconds`. */
export async function everySecond(sample, seconds) {
  const samples = [await sample()];
  for (let i = 1; i <= seconds; i++) {
    await sleep(samples[0].at + i * 1000 - Date.now());
    samples.push(await sample());
  }
  return samples;
}

/**
 * Sums over the one-second steps that `keep` accepts. Redis counts the sampler's own INFO too (an INFO's
 * answer counts the INFOs before it, not itself): one command a step, taken off.
 */
export function totals(samples, keep = () => true) {
  const sum = { ms: 0, cpuMs: 0, redisCpuMs: 0, redisCmds: 0 };
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1], samples[i]];
    if (!keep(a, b)) continue;
    sum.ms += b.at - a.at;
    sum.cpuMs += b.cpuMs - a.cpuMs;
    sum.redisCpuMs += b.redisCpuMs - a.redisCpuMs;
    sum.redisCmds += b.redisCmds - a.redisCmds - 1;
  }
  return sum;
}

/** Rates over the steps `keep` accepts; RSS is the mean of the samples, Redis memory the last one's. */
export function rates(samples, keep) {
  const sum = totals(samples, keep);
  return {
    apiCpuPct: (sum.cpuMs / sum.ms) * 100,
    rssMb: samples.reduce((total, s) => total + s.rssKb, 0) / samples.length / 1024,
    redisCpuPct: (sum.redisCpuMs / sum.ms) * 100,
    redisCmdsPerS: sum.redisCmds / (sum.ms / 1000),
    redisMemoryMb: samples.at(-1).redisMemory / 1024 / 1024,
  };
}

/** A seeded pseudo-random source (mulberry32): `next(n)` is a whole number from 0 to n - 1. */
export function seededRandom(seed) {
  let state = seed;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

// Kept-alive connections, as many as the callers have requests in flight.
const AGENT = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/**
 * An HTTP call that sends `headers` (and JSON when there is a body) and times the whole answer. Made with
 * node:http rather than fetch: on 2 cores the load generator shares the CPU with what it measures, and
 * fetch (undici) costs it about twice node:http's CPU per request.
 */
export function caller(headers) {
  return (method, url, body) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const payload = body ? JSON.stringify(body) : undefined;
      const sent = payload
        ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
        : headers;
      const request = http.request(url, { method, headers: sent, agent: AGENT }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            ms: performance.now() - started,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      request.on('error', reject);
      request.end(payload);
    });
}

/** Runs `task(0..count-1)` with at most `concurrency` at a time. */
export async function pool(count, concurrency, task) {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * `requests` GETs of `urlOf(i)` at `concurrency`, after 50 to warm up: latency percentiles, requests/s,
 * answer size, and the answers whose status is not in `ok`.
 */
export async function load({ call, label, urlOf, requests, concurrency, ok = [200] }) {
  await pool(Math.min(50, requests), concurrency, (i) => call('GET', urlOf(i)));
  const latencies = [];
  const failures = [];
  let bytes = 0;
  const started = performance.now();
  await pool(requests, concurrency, async (i) => {
    const { status, ms, text } = await call('GET', urlOf(i));
    if (!ok.includes(status)) failures.push(`${status} ${text.slice(0, 200)}`);
    latencies.push(ms);
    bytes += text.length;
  });
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    label,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    rps: requests / (wallMs / 1000),
    kb: bytes / requests / 1024,
    failures,
  };
}

export const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
export const ratio = (value, base) =>
  base > 0 && Number.isFinite(value) ? `${(value / base).toFixed(2)}x` : 'n/a';
export const signed = (value, digits) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : 'n/a';

/** A table with a header rule; the first column left-aligned, the others right-aligned. */
export function table(head, rows) {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => String(row[c]).length)));
  const line = (cells) =>
    cells.map((cell, c) => String(cell)[c === 0 ? 'padEnd' : 'padStart'](widths[c])).join('  ');
  console.log([line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
}

/** "a 3, b 2": how many items have each key, in order of first appearance. */
export function count(items, key) {
  const counts = new Map();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}
