// Where a training job's time goes, from what the API stores of it: its events (state moves, the pipeline's
// steps) and its row. Used by the start, end-to-end and throughput benchmarks.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { percentile } from './measure.mjs';

const DEMO = fileURLToPath(new URL('../../examples/diabetes-lgbm.job.json', import.meta.url));

/** The README's first job (LightGBM on scikit-learn's diabetes data), as pipeline `pipeline`. */
export async function demoSpec(pipeline, runtime) {
  const { spec } = JSON.parse(await readFile(DEMO, 'utf8'));
  return { ...spec, pipeline, ...(runtime === undefined ? {} : { runtime }) };
}

/**
 * A finished job's marks (ms since the epoch) and step durations: `running` (its last attempt began: the
 * worker took it from the queue), `firstStep` (the pipeline's first step began), `training` (the training
 * step: the fit, then logging the model), `fit` (the user's model fitting alone: the training step's progress
 * from "fitting" to "fitted"), `finished`.
 */
export function jobTimings(job, events) {
  const running = events.filter((e) => e.type === 'state' && e.state === 'running').at(-1);
  const after = (e) => Date.parse(e.at) >= Date.parse(running?.at ?? '');
  const firstStep = events.find((e) => e.type === 'step.started' && after(e));
  const progress = (test) =>
    Date.parse(events.find((e) => e.type === 'progress' && after(e) && test(e))?.at ?? '');
  const fitting = progress((e) => e.step === 'training' && e.fraction === 0);
  const fitted = progress((e) => e.step === 'training' && /^fitted/.test(e.message ?? ''));
  const steps = {};
  for (const e of events) if (e.type === 'step.finished' && after(e)) steps[e.step] = e.durationMs;
  return {
    created: Date.parse(job.createdAt),
    running: Date.parse(running?.at ?? ''),
    firstStep: Date.parse(firstStep?.at ?? ''),
    finished: Date.parse(job.finishedAt),
    steps,
    training: steps.training ?? Number.NaN,
    fit: fitted - fitting,
  };
}

/** p50, min and max of `values` (NaN when empty). */
export function spread(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), min: sorted[0], max: sorted.at(-1) };
}

/** Waits for each of `ids` to finish, checking them in pages of the job list every `everyMs`: their rows. */
export async function waitAll(send, ids, { everyMs = 1_000, timeoutMs = 60 * 60_000, onProgress } = {}) {
  const pending = new Set(ids);
  const done = new Map();
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} jobs did not finish in time`);
    for (const id of [...pending]) {
      const job = await send('GET', `/v1/jobs/${id}`, undefined, 200);
      if (!job.finishedAt) break; // jobs finish roughly in order: look again later
      pending.delete(id);
      done.set(id, job);
    }
    onProgress?.(done.size);
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return ids.map((id) => done.get(id));
}
