import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** What every line logged while serving one request shares: a logger bound to its request id. */
export interface RequestContext {
  logger: Logger;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
