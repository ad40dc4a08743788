/**
 * Sends `signal` to every process of the group led by `pid` (children start with `detached: true`, so each
 * leads its own group). Returns false when the group no longer exists.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
