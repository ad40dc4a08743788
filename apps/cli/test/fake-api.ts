import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobState } from '@ct/shared';

export const JOB_ID = '00000000-0000-4000-8000-0000000000c1';

/** How the fake API plays one job for `ct watch`. */
export interface FakeJobScript {
  /** The state the event stream ends with; null keeps the stream open with the job running. */
  finalState: Extract<JobState, 'succeeded' | 'failed' | 'cancelled'> | null;
  /** How long after connecting the stream sends its final event. */
  finalAfterMs: number;
  /** How long each log read takes: longer than `finalAfterMs` puts a read in flight when the watch stops. */
  logDelayMs: number;
}

export interface FakeApi {
  url: string;
  /** Resolves when the watch has opened the event stream. */
  eventsOpened: Promise<void>;
  /** How many log reads the watch made. */
  logReads(): number;
  close(): Promise<void>;
}

/**
 * Just enough of ct's API for `ct watch`, on a real socket: the job, its event stream and its output, with
 * the timing of each chosen by the test, so that the watch's stop lands where the test wants it.
 */
export async function startFakeApi(script: FakeJobScript): Promise<FakeApi> {
  let finished = false;
  let reads = 0;
  let opened: () => void = () => undefined;
  const eventsOpened = new Promise<void>((resolve) => (opened = resolve));
  const timers = new Set<NodeJS.Timeout>();
  const streams = new Set<ServerResponse>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === `/v1/jobs/${JOB_ID}`)
      return json(res, job(finished && script.finalState ? script.finalState : 'running'));
    if (url.pathname === `/v1/jobs/${JOB_ID}/logs`) {
      reads++;
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const text = offset === 0 ? 'first line\nsecond ' : offset === 18 ? 'half\nlast line' : '';
      return later(script.logDelayMs, () =>
        json(res, { offset, nextOffset: offset + text.length, size: 32, truncated: false, text }),
      );
    }
    if (url.pathname === `/v1/jobs/${JOB_ID}/events`) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      // A short reconnect delay (SSE `retry:`) keeps the API-gone-away case quick.
      res.write(`retry: 20\n${sse(1, event('running'))}`);
      streams.add(res);
      opened();
      if (script.finalState === null) return;
      const state = script.finalState;
      return later(script.finalAfterMs, () => {
        finished = true;
        streams.delete(res);
        res.end(sse(2, event(state)));
      });
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'not_found', message: `no route ${url.pathname}` }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    eventsOpened,
    logReads: () => reads,
    /** Ends open event streams cleanly, then stops answering: from now on the API cannot be reached. */
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const stream of streams) stream.end();
      const closed = once(server, 'close');
      server.close();
      // Let the ends reach the sockets before cutting the rest (log reads still being answered).
      await new Promise((resolve) => setImmediate(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sse(id: number, data: unknown): string {
  const type = (data as { type: string }).type;
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function event(state: JobState) {
  const failureReason = state === 'failed' ? 'training_error' : null;
  return {
    jobId: JOB_ID,
    at: '2026-01-01T00:00:01Z',
    attempt: 1,
    type: 'state',
    state,
    failureReason,
    message: null,
  };
}

function job(state: JobState) {
  const failed = state === 'failed';
  return {
    id: JOB_ID,
    team: 'acme',
    pipeline: 'churn',
    state,
    metrics: state === 'succeeded' ? { rmse: 3 } : {},
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: state === 'running' ? null : '2026-01-01T00:00:02Z',
    failureReason: failed ? 'training_error' : null,
    failureMessage: failed ? 'the estimator raised' : null,
    mlflowRunId: null,
    registeredModel: null,
    modelVersion: null,
    decision: null,
  };
}
