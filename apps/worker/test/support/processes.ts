import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's checkout, and the pipeline's Python environment in it (made by `stack.sh setup`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const PIPELINE_PYTHON = `${REPO_ROOT}pipeline/.venv/bin/python`;

/** Whether the process has ended: no such pid, or a zombie that nobody reaped yet. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; the comm may hold spaces, the state follows its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Whether no process of the group led by `pgid` is left alive (zombies count as gone). */
export function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  return livePidsOfGroup(pgid).length === 0;
}

function livePidsOfGroup(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[2]) === pgid && fields[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}
