import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Settles with `operation` or rejects after `ms`: a Redis call must never hold up Postgres writes, the end
 * of a job or a shutdown (ioredis waits forever for a paused or unreachable server).
 */
export async function withTimeout<T>(operation: Promise<T>, ms: number, what: string): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      operation,
      sleep(ms, undefined, { signal: timer.signal, ref: false }).then(() => {
        throw new Error(`${what} took longer than ${ms} ms`);
      }),
    ]);
  } finally {
    timer.abort();
  }
}
