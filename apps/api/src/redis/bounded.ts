import { DependencyUnavailableError } from '../errors/dependency-error.js';
import type { RedisClients } from './redis-clients.js';

/** How long a request waits for Redis before answering without it. */
const REDIS_TIMEOUT_MS = 2_000;

/**
 * Waits for a Redis operation at most `REDIS_TIMEOUT_MS`. A timeout, or a failure while Redis is
 * unreachable, becomes a `DependencyUnavailableError`; the operation itself may still complete later, so only
 * idempotent operations belong here.
 */
export async function bounded<T>(
  operation: Promise<T>,
  what: string,
  reachable: () => boolean,
  timeoutMs = REDIS_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DependencyUnavailableError('redis', `Redis did not answer within ${timeoutMs} ms ${what}`),
        ),
      timeoutMs,
    );
  });
  // The operation may fail after the timeout answered: that failure has nobody left to tell.
  operation.catch(() => undefined);
  try {
    return await Promise.race([operation, timeout]);
  } catch (error) {
    if (error instanceof DependencyUnavailableError || reachable()) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DependencyUnavailableError('redis', `Redis is unreachable ${what}: ${reason}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Redis operation of a request, `where` saying what it does: it fails with a `DependencyUnavailableError` at once
 * while Redis is known to be down (rather than wait out the timeout on every request), else waits boundedly.
 */
export function withRedis<T>(
  redis: Pick<RedisClients, 'commandsUsable'>,
  where: string,
  operation: () => Promise<T>,
  timeoutMs?: number,
): Promise<T> {
  if (!redis.commandsUsable) throw new DependencyUnavailableError('redis', `Redis is unreachable ${where}`);
  return bounded(operation(), where, () => redis.commandsUsable, timeoutMs);
}
