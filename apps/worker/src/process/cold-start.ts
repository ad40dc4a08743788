import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { EVENTS_FD } from './child-env.js';
import { launcherArgs } from './parent-death.js';
import type { ProcessEnd, ProcessRequest, StartedProcess } from './started-process.js';

/**
 * Spawns a fresh interpreter for one run: its own process group, no shell, stdin closed, the events pipe
 * on fd 3, and killed by Linux if the worker dies. Resolves once the process runs, or with why it did not.
 */
export async function startCold(
  python: string,
  request: ProcessRequest,
): Promise<StartedProcess | { spawnError: Error }> {
  const child = spawn(python, launcherArgs(request.argv), {
    cwd: request.cwd,
    env: { ...request.env },
    detached: true,
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<ProcessEnd>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const spawnError = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  const [stdout, stderr, events] = [child.stdout, child.stderr, child.stdio[EVENTS_FD] as Readable | null];
  if (spawnError !== null || child.pid === undefined || !stdout || !stderr || !events) {
    for (const stream of [stdout, stderr, events]) stream?.destroy();
    return { spawnError: spawnError ?? new Error('no pid') };
  }
  return { pid: child.pid, warm: false, stdout, stderr, events, exited, closed };
}
