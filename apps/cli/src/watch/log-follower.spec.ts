import { setTimeout as sleep } from 'node:timers/promises';
import { createCtClient } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { followLogs } from './log-follower.js';

const JOB_ID = '00000000-0000-4000-8000-0000000000f1';
// Far longer than any deadline below: a stop that waits for the interval is a stop that hangs.
const INTERVAL_MS = 60_000;

/** A fetch whose answers the test gives, one log read at a time, whenever it wants. */
function scriptedFetch() {
  const pending: { offset: number; answer(response: Response | Error): void }[] = [];
  const fetch = (input: string | URL | Request) =>
    new Promise<Response>((resolve, reject) => {
      const offset = Number(new URL(String(input)).searchParams.get('offset'));
      pending.push({ offset, answer: (value) => (value instanceof Error ? reject(value) : resolve(value)) });
    });
  return {
    client: createCtClient({ baseUrl: 'http://ct.test', fetch: fetch as typeof globalThis.fetch }),
    /** Waits for the follower's next read, for the test to answer. */
    nextRead: () => waitFor('a log read', () => pending.shift(), { timeoutMs: 2_000, intervalMs: 5 }),
  };
}

function chunk(offset: number, text: string): Response {
  const body = {
    offset,
    nextOffset: offset + text.length,
    size: offset + text.length,
    truncated: false,
    text,
  };
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
}

/** Fails unless `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  const deadline = new AbortController();
  const late = sleep(ms, undefined, { signal: deadline.signal }).then(() => {
    throw new Error(`did not settle within ${ms} ms`);
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    deadline.abort();
    await late.catch(() => undefined);
  }
}

describe('followLogs', () => {
  it('stop() while a read is in flight settles as soon as that read and a last one have answered', async () => {
    const { client, nextRead } = scriptedFetch();
    const lines: string[] = [];
    const sut = followLogs(client, JOB_ID, (line) => lines.push(line), INTERVAL_MS);
    const inFlight = await nextRead();

    const stopped = sut.stop();
    inFlight.answer(chunk(0, 'first\nsec'));
    const last = await nextRead();
    expect(last.offset).toBe(9);
    last.answer(chunk(9, 'ond\nthird, unfinished'));

    // Before the fix the loop went on to wait INTERVAL_MS after the in-flight read (in the CLI, on an
    // unref'd timer that let Node exit 13 with the top-level await unsettled).
    await settlesWithin(stopped, 5_000);
    expect(lines).toEqual(['first', 'second', 'third, unfinished']);
  });

  it('stop() during the wait between reads settles at once, after one last read', async () => {
    const { client, nextRead } = scriptedFetch();
    const lines: string[] = [];
    const sut = followLogs(client, JOB_ID, (line) => lines.push(line), INTERVAL_MS);
    (await nextRead()).answer(chunk(0, 'first\n'));
    await waitFor('the first line', () => lines.length === 1, { intervalMs: 5 });

    const stopped = sut.stop();
    const last = await nextRead();
    expect(last.offset).toBe(6);
    last.answer(chunk(6, 'last\n'));

    await settlesWithin(stopped, 5_000);
    expect(lines).toEqual(['first', 'last']);
  });

  it.each([
    ['the read in flight and the last read both fail (the API went away)', [false, false]],
    ['the read in flight fails and the last one answers', [false, true]],
  ])('stop() settles when %s', async (_, answered) => {
    const { client, nextRead } = scriptedFetch();
    const lines: string[] = [];
    const sut = followLogs(client, JOB_ID, (line) => lines.push(line), INTERVAL_MS);
    const inFlight = await nextRead();

    const stopped = sut.stop();
    inFlight.answer(answered[0] ? chunk(0, 'a\n') : new TypeError('fetch failed'));
    (await nextRead()).answer(answered[1] ? chunk(0, 'a\n') : new TypeError('fetch failed'));

    await settlesWithin(stopped, 5_000);
    expect(lines).toEqual(answered.some(Boolean) ? ['a'] : []);
  });
});
