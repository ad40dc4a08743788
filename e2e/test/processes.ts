import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose environment carries CT_JOB_ID=<jobId>: a job's child and its descendants. */
export function pidsOfJob(jobId: string): number[] {
  const needle = `CT_JOB_ID=${jobId}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (environ.includes(needle) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return pids;
}

export function killJobProcesses(jobId: string): void {
  for (const pid of pidsOfJob(jobId)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
