import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningChild, startChild } from './child.js';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/** A throw-away Redis server on its own port, for tests that stop a dependency. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** The server's process id (changes on restart). */
  pid(): number | undefined;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no final write; with `appendonly`, restart replays what the AOF holds. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and removes its data folder. */
  remove(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Keep data in an append-only file (fsync every second, as the local stack runs Redis) across restarts. */
  appendonly?: boolean;
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  // Only a persistent server writes files; the others need no folder.
  const dir = options.appendonly ? await mkdtemp(join(tmpdir(), 'ct-test-redis-')) : undefined;
  const persistence = dir
    ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction']
    : ['--appendonly', 'no'];
  let server: RunningChild | undefined;
  const start = async (): Promise<void> => {
    server = startChild(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      process.env,
    );
    await waitFor(`redis-server on port ${port}`, () => acceptsConnections(port), { timeoutMs: 10_000 });
  };
  await start();
  const stop = async (): Promise<void> => {
    await server?.stop('SIGTERM');
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => server?.process.pid,
    stop,
    kill: async () => {
      await server?.stop('SIGKILL');
    },
    restart: start,
    remove: async () => {
      await stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
