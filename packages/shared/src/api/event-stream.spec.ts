import { z } from 'zod';
import { createTypedClient } from './ct-client.js';
import { CtApiError, CtNetworkError } from './ct-client-errors.js';
import { defineRoutes } from './route-contract.js';

const tick = z.object({ n: z.number(), last: z.boolean() });
const routes = defineRoutes({
  ticks: {
    method: 'GET',
    path: '/v1/ticks/:id',
    summary: 's',
    tag: 't',
    auth: 'viewer',
    params: z.object({ id: z.string() }),
    responses: { 200: null },
    stream: { event: tick, isFinal: (event: z.output<typeof tick>) => event.last },
  },
});

type Answer = { chunks: string[] } | { status: number; body: unknown } | { fail: Error };

/** A fetch that gives one scripted answer per connection and records the Last-Event-ID of each. */
function scriptedFetch(answers: Answer[]) {
  const lastEventIds: (string | undefined)[] = [];
  const fetch = async (_url: string | URL | Request, init: RequestInit = {}) => {
    lastEventIds.push((init.headers as Record<string, string>)['Last-Event-ID']);
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers scripted');
    if ('fail' in answer) throw answer.fail;
    if ('status' in answer)
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'content-type': 'application/json' },
      });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of answer.chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
  };
  return { lastEventIds, fetch: fetch as typeof globalThis.fetch };
}

function event(id: number, n: number, last = false): string {
  return `id: ${id}\nevent: tick\ndata: ${JSON.stringify({ n, last })}\n\n`;
}

async function collect(answers: Answer[], options: { maxReconnects?: number } = {}) {
  const fake = scriptedFetch(answers);
  const client = createTypedClient(routes, {
    baseUrl: 'http://h',
    fetch: fake.fetch,
    validateResponses: true,
  });
  const received: { id: string | undefined; event: string; n: number }[] = [];
  const sut = client.ticks({ params: { id: 'a' } }, { reconnectDelayMs: 1, ...options });
  for await (const message of sut) received.push({ id: message.id, event: message.event, n: message.data.n });
  return { received, lastEventIds: fake.lastEventIds, sut };
}

describe('following an event stream', () => {
  it('parses events split across chunks and ends with the server after the final event', async () => {
    const text = `retry: 1\n\n${event(1, 1)}: keep-alive\n\n${event(2, 2, true)}`;
    const chunks = text.match(/.{1,7}/gs) ?? [];
    const { received, lastEventIds, sut } = await collect([{ chunks }]);
    expect(received).toEqual([
      { id: '1', event: 'tick', n: 1 },
      { id: '2', event: 'tick', n: 2 },
    ]);
    expect(lastEventIds).toEqual([undefined]);
    expect(sut.lastEventId).toBe('2');
  });

  it('reconnects with Last-Event-ID when the stream drops before the final event', async () => {
    const { received, lastEventIds } = await collect([
      { chunks: [event(1, 1), event(2, 2)] },
      { fail: new TypeError('fetch failed') },
      { chunks: [event(3, 3, true)] },
    ]);
    expect(received.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(lastEventIds).toEqual([undefined, '2', '2']);
  });

  it('stops after connections in a row that bring nothing new', async () => {
    const { received, lastEventIds } = await collect(
      [{ chunks: [event(1, 1)] }, { chunks: [] }, { chunks: [': keep-alive\n\n'] }],
      { maxReconnects: 1 },
    );
    expect(received.map((r) => r.n)).toEqual([1]);
    expect(lastEventIds).toEqual([undefined, '1', '1']);
  });

  it('throws CtNetworkError when the server stays unreachable', async () => {
    const down = { fail: new TypeError('fetch failed') };
    await expect(collect([down, down, down], { maxReconnects: 2 })).rejects.toBeInstanceOf(CtNetworkError);
  });

  it('throws CtApiError at once when the server refuses the stream', async () => {
    const error = await collect([{ status: 404, body: { code: 'not_found', message: 'no job' } }]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CtApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('retries a 5xx answer like a dropped connection', async () => {
    const { received } = await collect([
      { status: 503, body: { code: 'dependency_unavailable', message: 'Redis' } },
      { chunks: [event(1, 1, true)] },
    ]);
    expect(received.map((r) => r.n)).toEqual([1]);
  });

  it('ends quietly when the caller breaks out of the loop', async () => {
    const { fetch } = scriptedFetch([{ chunks: [event(1, 1), event(2, 2)] }]);
    const sut = createTypedClient(routes, { baseUrl: 'http://h', fetch }).ticks({ params: { id: 'a' } });
    for await (const message of sut) {
      expect(message.data.n).toBe(1);
      break;
    }
    expect(sut.lastEventId).toBe('1');
    expect(() => sut[Symbol.asyncIterator]()).toThrow('only once');
  });
});
