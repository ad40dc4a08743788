import { availableParallelism } from 'node:os';

/**
 * The numeric libraries' thread settings for pipeline processes: the worker's own `OMP_NUM_THREADS` (and
 * `OPENBLAS_*`) when it has one; otherwise each of its `concurrency` runs gets an equal share of the host's
 * cores. Left to themselves, OpenMP libraries (LightGBM, OpenBLAS) each take every core, and concurrent runs
 * then oversubscribe them: spinning threads slowed every fit several times over (bench/throughput.mjs).
 */
export function withThreadBudget(
  threadEnv: Readonly<Record<string, string>>,
  concurrency: number,
  cores: number = availableParallelism(),
): Record<string, string> {
  if (threadEnv.OMP_NUM_THREADS !== undefined) return { ...threadEnv };
  return { ...threadEnv, OMP_NUM_THREADS: String(Math.max(1, Math.floor(cores / concurrency))) };
}
