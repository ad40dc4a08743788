import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '@ct/shared/runtime';
import { describeError } from '../errors/infrastructure-error.js';
import { signalGroup } from './process-group.js';

/** In each run's work dir: the pid of the worker that owns it, and of the pipeline process it started. */
export const OWNER_FILE = 'worker.pid';
export const CHILD_FILE = 'child.pid';

export interface SweepResult {
  /** Work dirs of dead workers that were removed. */
  removed: string[];
  /** Process groups of their pipelines that were still alive and killed. */
  killed: number[];
}

/**
 * Cleans up after workers of this host that died without doing it themselves (SIGKILL, OOM, power): kills
 * what still runs of their pipelines (process groups, checked to be the same job's, since pids get reused)
 * and removes their work dirs, with the training data copies in them. Dirs of live workers are left alone.
 */
export async function sweepWorkDirs(workRoot: string, warn: (message: string) => void): Promise<SweepResult> {
  const result: SweepResult = { removed: [], killed: [] };
  let entries: string[];
  try {
    entries = await readdir(workRoot);
  } catch {
    return result; // no work dir yet: nothing ran here
  }
  for (const entry of entries) {
    const dir = join(workRoot, entry);
    const owner = await readPid(join(dir, OWNER_FILE));
    if (owner !== null && owner !== process.pid && processAlive(owner)) continue;
    if (owner === process.pid) continue;
    const child = await readPid(join(dir, CHILD_FILE));
    const jobId = entry.slice(0, 36);
    if (child !== null && (await belongsToJob(child, jobId, dir)) && signalGroup(child, 'SIGKILL'))
      result.killed.push(child);
    try {
      await rm(dir, { recursive: true, force: true });
      result.removed.push(dir);
    } catch (error) {
      warn(`could not remove the work dir ${dir} of a dead worker: ${describeError(error)}`);
    }
  }
  return result;
}

async function readPid(path: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` still runs the pipeline of `jobId` (and not a process that got its pid since): its initial
 * environment names the job (a cold start), or it works in the job's dir (a warm start, whose environment
 * was set after it began).
 */
async function belongsToJob(pid: number, jobId: string, dir: string): Promise<boolean> {
  if ((await readlink(`/proc/${pid}/cwd`).catch(() => null)) === dir) return true;
  try {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
    return environ.split('\0').includes(`CT_JOB_ID=${jobId}`);
  } catch {
    return false;
  }
}
