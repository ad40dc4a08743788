import { type JobProcess, processesOfJob } from '../processes.js';

/** One look at the processes of some jobs. */
export interface ProcessSample {
  at: number;
  /** Per job: the process groups alive (one per attempt's child tree). */
  groups: Record<string, number[]>;
  /** Per job: the MLflow runs (attempts) of the processes alive. */
  runs: Record<string, string[]>;
}

/**
 * Reads /proc every `intervalMs` while it runs, to find moments when two attempts of one job had processes
 * alive at once. `stop()` returns every sample.
 */
export function sampleProcesses(jobIds: () => readonly string[], intervalMs = 150) {
  const samples: ProcessSample[] = [];
  const take = () => {
    const groups: Record<string, number[]> = {};
    const runs: Record<string, string[]> = {};
    for (const jobId of jobIds()) {
      const alive: JobProcess[] = processesOfJob(jobId);
      groups[jobId] = [...new Set(alive.map((process) => process.pgid))];
      runs[jobId] = [...new Set(alive.map((process) => process.runId ?? 'unknown'))];
    }
    samples.push({ at: Date.now(), groups, runs });
  };
  const timer = setInterval(take, intervalMs);
  take();
  return {
    samples,
    stop: (): ProcessSample[] => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** The most process groups and attempts one job had alive in one sample, and how long that lasted. */
export function overlapFigures(samples: readonly ProcessSample[], jobId: string) {
  let maxGroups = 0;
  let maxRuns = 0;
  let overlapMs = 0;
  samples.forEach((sample, i) => {
    const groups = sample.groups[jobId]?.length ?? 0;
    const runs = sample.runs[jobId]?.length ?? 0;
    maxGroups = Math.max(maxGroups, groups);
    maxRuns = Math.max(maxRuns, runs);
    const next = samples[i + 1];
    if ((groups > 1 || runs > 1) && next !== undefined) overlapMs += next.at - sample.at;
  });
  return { samples: samples.length, maxGroups, maxRuns, overlapMs };
}
