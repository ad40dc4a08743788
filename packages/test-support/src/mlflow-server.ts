import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/**
 * A throw-away MLflow tracking server (SQLite backend, artifacts served through the server, as
 * scripts/lib/services.sh runs it) on its own port, for tests that stop MLflow. Stopping and starting again
 * keeps its runs: the database and artifacts stay in its folder until `remove()`.
 */
export interface PrivateMlflow {
  readonly port: number;
  readonly url: string;
  /** The server's process group id (its leader's pid); undefined while stopped. */
  pid(): number | undefined;
  output(): string;
  /** Kills the server and the workers it forked (SIGTERM to the group, then SIGKILL); the port stops answering. */
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

/** `mlflowBin`: the `mlflow` program of the environment that serves (pipeline/.venv/bin/mlflow). */
export async function startPrivateMlflow(
  mlflowBin: string,
  startTimeoutMs = 120_000,
): Promise<PrivateMlflow> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ct-test-mlflow-'));
  const url = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    const args = ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'];
    args.push(
      '--backend-store-uri',
      `sqlite:///${dir}/mlflow.db`,
      '--artifacts-destination',
      `${dir}/artifacts`,
    );
    // Its own process group, so that stop() reaches the web server's forked workers too.
    const child = spawn(mlflowBin, args, {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server = child;
    await waitFor(`the private MLflow server on ${url}`, async () => (await fetch(`${url}/health`)).ok, {
      timeoutMs: startTimeoutMs,
      intervalMs: 250,
    });
  };
  const stop = async (): Promise<void> => {
    const child = server;
    server = undefined;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    signalGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child.pid ?? 0, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    // Forked workers that outlived their parent would keep the port.
    signalGroup(child.pid, 'SIGKILL');
    await waitFor(`port ${port} to stop answering`, async () => !(await answers(url)), { timeoutMs: 10_000 });
  };
  await start();
  return {
    port,
    url,
    pid: () => server?.pid,
    output: () => output,
    stop,
    start,
    remove: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}
