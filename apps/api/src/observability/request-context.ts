import { AsyncLocalStorage } from 'node:async_hooks';

/** What every line logged while serving one request shares: its request id. */
interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
