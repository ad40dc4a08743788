import { CtClientError, CtNetworkError, CtResponseError } from './ct-client-errors.js';
import { SseParser } from './sse-parser.js';

/** One event of a followed stream. */
export interface CtStreamEvent<Data> {
  /** The event id (send it as `lastEventId` to resume after this event). */
  id: string | undefined;
  /** The SSE `event:` field (for job events: the event's type). */
  event: string;
  data: Data;
}

/** A followed event stream: iterate it once with `for await`; `break` or `close()` ends it. */
export interface CtEventStream<Data> extends AsyncIterable<CtStreamEvent<Data>> {
  /** The id of the last event received, for resuming later. */
  readonly lastEventId: string | undefined;
  close(): void;
}

/** How a followed stream reconnects. */
export interface ReconnectOptions {
  /** Whether to reconnect at all when the stream drops before its final event (default true). */
  reconnect?: boolean;
  /** Consecutive connections that fail or bring nothing new before giving up (default 5). */
  maxReconnects?: number;
  /** The wait before reconnecting when the server did not say (`retry:`); default 1000 ms. */
  reconnectDelayMs?: number;
}

export interface EventStreamSource<Data> extends ReconnectOptions {
  /** Opens one connection; `lastEventId` is undefined for the first unless resuming. */
  connect(lastEventId: string | undefined, signal: AbortSignal): Promise<Response>;
  /** Turns a non-stream answer (an error status) into the error to throw. */
  refuse(response: Response): Promise<Error>;
  /** Parses (and maybe validates) one event's `data:`. */
  parse(data: string): Data;
  isFinal(data: Data): boolean;
  url: string;
  route: string;
  lastEventId?: string;
  signal?: AbortSignal;
}

/**
 * Follows a Server-Sent Events stream across reconnects: each reconnect sends `Last-Event-ID`, so no event is
 * seen twice or missed. It ends when the server ends the stream after the final event, or after
 * `maxReconnects` connections in a row that ended with nothing new (the server has nothing more to say).
 * It throws when the server refuses the stream (a 4xx) or stays unreachable.
 */
export function followEventStream<Data>(source: EventStreamSource<Data>): CtEventStream<Data> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(source.signal?.reason);
  if (source.signal?.aborted) abort.abort(source.signal.reason);
  else source.signal?.addEventListener('abort', onAbort, { once: true });
  let lastEventId = source.lastEventId;
  let used = false;

  async function* run(): AsyncGenerator<CtStreamEvent<Data>> {
    const maxReconnects = source.maxReconnects ?? 5;
    let delayMs = source.reconnectDelayMs ?? 1000;
    let fruitless = 0;
    let lastFailure: Error | undefined;
    try {
      for (;;) {
        let received = 0;
        let finalSeen = false;
        try {
          const response = await source.connect(lastEventId, abort.signal);
          if (!response.ok || !response.body) {
            const error = await source.refuse(response);
            if (response.status < 500) throw error;
            lastFailure = error;
          } else {
            checkEventStream(response, source);
            const parser = new SseParser(lastEventId);
            for await (const message of messagesOf(response.body, parser)) {
              lastEventId = message.id;
              const data = source.parse(message.data);
              received++;
              finalSeen ||= source.isFinal(data);
              yield { id: message.id, event: message.event, data };
            }
            delayMs = parser.retryMs ?? delayMs;
            lastFailure = undefined;
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          if (error instanceof CtClientError && !(error instanceof CtNetworkError)) throw error;
          lastFailure = error instanceof CtNetworkError ? error : new CtNetworkError(source.url, error);
        }
        if (finalSeen || source.reconnect === false) {
          if (lastFailure && !finalSeen) throw lastFailure;
          return;
        }
        fruitless = received > 0 ? 0 : fruitless + 1;
        if (fruitless > maxReconnects) {
          if (lastFailure) throw lastFailure;
          return;
        }
        await sleep(delayMs, abort.signal);
        if (abort.signal.aborted) return;
      }
    } finally {
      abort.abort();
      source.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    get lastEventId() {
      return lastEventId;
    },
    close: () => abort.abort(),
    [Symbol.asyncIterator]() {
      if (used) throw new Error('an event stream can be iterated only once');
      used = true;
      return run();
    },
  };
}

async function* messagesOf(body: ReadableStream<Uint8Array>, parser: SseParser) {
  const decoder = new TextDecoder();
  for await (const chunk of body) yield* parser.feed(decoder.decode(chunk, { stream: true }));
  yield* parser.feed(decoder.decode());
  yield* parser.end();
}

function checkEventStream(response: Response, source: { route: string }): void {
  const type = response.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('text/event-stream'))
    throw new CtResponseError(response.status, source.route, `expected text/event-stream, got "${type}"`, '');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
