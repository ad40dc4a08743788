import type { StoredJobEvent } from '@ct/db';

/** One stored event as a Server-Sent Event: `id:` (for Last-Event-ID), `event:` (its type), `data:` (JSON). */
export function sseEvent(event: StoredJobEvent): string {
  const { id, ...jobEvent } = event;
  return `id: ${id}\nevent: ${jobEvent.type}\ndata: ${JSON.stringify(jobEvent)}\n\n`;
}

/** A comment line: ignored by clients, it keeps proxies from closing an idle stream. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** Sent first: how long a client waits before reconnecting after the stream drops. */
export const SSE_RETRY = 'retry: 2000\n\n';
