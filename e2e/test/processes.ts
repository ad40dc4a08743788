import { readdirSync, readFileSync } from 'node:fs';

/** A live process of a job, as /proc shows it. */
export interface JobProcess {
  pid: number;
  ppid: number;
  /** Its process group: a child leads its own, so one group is one attempt's tree. */
  pgid: number;
  /** MLFLOW_RUN_ID of its environment: each attempt has its own run, so this names the attempt. */
  runId: string | null;
}

/** Live (not zombie) processes whose environment carries CT_JOB_ID=<jobId>: a job's children and their descendants. */
export function processesOfJob(jobId: string): JobProcess[] {
  const needle = `CT_JOB_ID=${jobId}`;
  const found: JobProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(needle)) continue;
      const stat = statOf(Number(entry));
      if (stat === null || stat.state === 'Z') continue;
      const run = environ.find((variable) => variable.startsWith('MLFLOW_RUN_ID='));
      found.push({ pid: Number(entry), ppid: stat.ppid, pgid: stat.pgid, runId: run?.slice(14) ?? null });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

/** Pids of live processes whose environment carries CT_JOB_ID=<jobId>: a job's child and its descendants. */
export function pidsOfJob(jobId: string): number[] {
  return processesOfJob(jobId).map((process) => process.pid);
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

/** Live (not zombie) processes of a process group, whatever their environment. */
export function pidsInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat !== null && stat.pgid === pgid && stat.state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

/** The first of `candidates` among the ancestors of `pid` (which worker runs a child, through any launcher). */
export function ancestorAmong(pid: number, candidates: readonly number[]): number | undefined {
  let current = pid;
  for (let depth = 0; depth < 20 && current > 1; depth++) {
    const stat = statOf(current);
    if (stat === null) return undefined;
    if (candidates.includes(stat.ppid)) return stat.ppid;
    current = stat.ppid;
  }
  return undefined;
}

function statOf(pid: number): { state: string; ppid: number; pgid: number } | null {
  try {
    // The command name (field 2) may hold spaces and parentheses: fields after its last ')' are fixed.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid), pgid: Number(pgid) };
  } catch {
    return null;
  }
}
