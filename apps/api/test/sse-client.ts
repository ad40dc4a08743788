/** One Server-Sent Event as a client sees it. */
export interface ReceivedEvent {
  id: string | undefined;
  event: string | undefined;
  data: unknown;
}

/** A test client for an event stream: collects events until the server ends the stream or `close()`. */
export interface EventStreamClient {
  readonly status: number;
  readonly contentType: string | null;
  readonly events: ReceivedEvent[];
  /** Comment lines received (`: keep-alive`). */
  readonly comments: string[];
  /** Resolves when the stream ends, however it ends. */
  readonly ended: Promise<void>;
  /** Whether the server ended the stream (rather than the client closing it). */
  endedByServer(): boolean;
  close(): void;
  /** The body of a response that was not a stream (an error). */
  json(): Promise<unknown>;
}

export async function openEventStream(
  url: string,
  headers: Record<string, string>,
): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  let serverEnded = false;
  const streaming = response.ok && response.body !== null;
  const ended = streaming ? read(response.body) : Promise.resolve();

  async function read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
      serverEnded = true;
    } catch {
      // Aborted by close().
    }
  }

  function parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      const match = /^(\w+): ?(.*)$/.exec(line);
      if (match?.[1] && match[2] !== undefined) fields[match[1]] = match[2];
    }
    if (fields.data !== undefined)
      events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
  }

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    comments,
    ended,
    endedByServer: () => serverEnded,
    close: () => abort.abort(),
    json: () => response.json(),
  };
}
