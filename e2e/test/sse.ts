/** One Server-Sent Event as received. */
export interface ReceivedEvent {
  id: string | null;
  event: string;
  data: unknown;
}

/** Reads an SSE stream until the server ends it (or the deadline passes), returning every event. */
export async function readEventStream(
  url: string,
  key: string,
  timeoutMs = 180_000,
): Promise<ReceivedEvent[]> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200 || !response.body) throw new Error(`SSE answered ${response.status}`);
  const events: ReceivedEvent[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((line) => line && !line.startsWith(':'))
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]),
      );
      if (fields.data !== undefined) {
        events.push({
          id: fields.id ?? null,
          event: fields.event ?? 'message',
          data: JSON.parse(fields.data),
        });
      }
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}
