import { createConnection } from 'node:net';
import { type RunningChild, startChild } from './child.js';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/** A throw-away Redis server on its own port, for tests that stop a dependency. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let server: RunningChild | undefined;
  const start = async (): Promise<void> => {
    server = startChild(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      process.env,
    );
    await waitFor(`redis-server on port ${port}`, () => acceptsConnections(port), { timeoutMs: 10_000 });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await server?.stop('SIGTERM');
    },
    restart: start,
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
