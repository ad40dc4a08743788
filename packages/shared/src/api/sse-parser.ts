/** One dispatched Server-Sent Event. */
export interface SseMessage {
  /** The last event id seen on the stream so far (what a reconnect sends as `Last-Event-ID`). */
  id: string | undefined;
  /** `event:`, or `message` when the server sent none. */
  event: string;
  /** The `data:` lines, joined with newlines. */
  data: string;
}

/**
 * An incremental `text/event-stream` parser (the WHATWG algorithm): feed it text as it arrives, in chunks
 * of any size, and it returns the events completed so far. Comments are skipped; `retry:` is kept in
 * `retryMs`; an event cut off by the end of the stream is dropped, as browsers do.
 */
export class SseParser {
  /** The reconnection delay the server asked for, if it did. */
  retryMs: number | undefined;
  /** The last event id, which survives across events until the server changes it. */
  lastEventId: string | undefined;
  private pending = '';
  private data: string[] = [];
  private event = '';
  private started = false;

  constructor(lastEventId?: string) {
    this.lastEventId = lastEventId;
  }

  feed(chunk: string): SseMessage[] {
    let text = this.pending + chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const char = text[i];
      if (char !== '\n' && char !== '\r') continue;
      // A CR at the end of the chunk may be the first half of a CRLF: wait for the next chunk.
      if (char === '\r' && i === text.length - 1) break;
      const message = this.line(text.slice(start, i));
      if (message) messages.push(message);
      if (char === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
    this.pending = text.slice(start);
    return messages;
  }

  /** Call when the stream ends: completes a last line that ended with a lone CR. */
  end(): SseMessage[] {
    const text = this.pending;
    this.pending = '';
    return text.endsWith('\r') ? this.feed(`${text.slice(0, -1)}\n`) : [];
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const data = this.data;
    const event = this.event;
    this.data = [];
    this.event = '';
    if (data.length === 0) return undefined;
    return { id: this.lastEventId, event: event || 'message', data: data.join('\n') };
  }
}
