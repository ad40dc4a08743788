// What a worker's job costs where the API does not say: the times of the worker's own log lines for the job
// (where its wall time goes), and the peak memory of the worker and of the job's Python child.
import { readFile } from 'node:fs/promises';
import { sleep } from './measure.mjs';

/** The worker's JSON log lines about `jobId`, as {at, msg}, in order. */
export function workerLines(output, jobId) {
  const lines = [];
  for (const text of output.split('\n')) {
    if (!text.includes(jobId)) continue;
    try {
      const { time, msg, jobId: id } = JSON.parse(text);
      if (id === jobId) lines.push({ at: Date.parse(time), msg: String(msg) });
    } catch {}
  }
  return lines;
}

/** The time of the first line whose message matches `pattern` (NaN when none does). */
export function lineAt(lines, pattern) {
  return lines.find((line) => pattern.test(line.msg))?.at ?? Number.NaN;
}

const PROCESS_LINE = /^pipeline started as process (\d+)/;

/** VmRSS and VmHWM (peak) of a process in KB, or null once it is gone (a zombie has neither line). */
async function memoryKb(pid) {
  let status;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1]);
  const [rss, peak] = [field('VmRSS'), field('VmHWM')];
  return Number.isFinite(rss) && Number.isFinite(peak) ? { rss, peak } : null;
}

/**
 * Samples, every `everyMs` until `stop()`, the worker's RSS (its peak over the watch: VmHWM counts its whole
 * life) and the peak RSS (VmHWM) of the Python child the worker starts for `jobId`, found by the worker's
 * "pipeline started as process <pid>" line. The child's last sample before it exits is its peak, give or
 * take what it allocated within the last `everyMs`.
 */
export function watchJob(worker, jobId, everyMs = 50) {
  const peaks = { workerKb: 0, childKb: 0, childPid: null };
  let running = true;
  const loop = (async () => {
    while (running) {
      const own = await memoryKb(worker.process.pid);
      if (own) peaks.workerKb = Math.max(peaks.workerKb, own.rss);
      if (peaks.childPid === null) {
        const line = workerLines(worker.output(), jobId).find((l) => PROCESS_LINE.test(l.msg));
        if (line) peaks.childPid = Number(PROCESS_LINE.exec(line.msg)[1]);
      }
      if (peaks.childPid !== null) {
        const child = await memoryKb(peaks.childPid);
        if (child) peaks.childKb = Math.max(peaks.childKb, child.peak);
      }
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return {
        workerMb: peaks.workerKb / 1024,
        childMb: peaks.childKb > 0 ? peaks.childKb / 1024 : Number.NaN,
      };
    },
  };
}
