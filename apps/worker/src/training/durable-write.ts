import { setTimeout as sleep } from 'node:timers/promises';

const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 2_000;

/**
 * Runs a Postgres write, trying again while Postgres is away (a restart, a failover, a network cut), for at
 * most `forMs`: an attempt's events, logs and end must survive a short outage, not be dropped. A write that
 * Postgres refused for what it is (bad data, a constraint, a bad query) fails at once.
 */
export async function durableWrite<T>(write: () => Promise<T>, forMs: number): Promise<T> {
  const until = Date.now() + forMs;
  let delay = FIRST_DELAY_MS;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (refusedForWhatItIs(error) || Date.now() + delay > until) throw error;
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}

/** SQLSTATE classes 22 (data), 23 (integrity) and 42 (syntax, access): trying again changes nothing. */
export function refusedForWhatItIs(error: unknown): boolean {
  const found = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = found?.driverError?.code ?? found?.code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}
