import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  API_ROUTES,
  type ApiRouteName,
  errorBodySchema,
  type JobState,
  type RouteContract,
} from '@ct/shared';

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

/** A request the contract fake received: its route and what the client sent (params decoded). */
export interface ContractRequest {
  route: ApiRouteName;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

/** What a test answers to a route: a status the route declares with its body, or an error status with the error body. */
export interface ContractAnswer {
  status: number;
  body?: unknown;
}

export type ContractAnswers = Partial<Record<ApiRouteName, (request: ContractRequest) => ContractAnswer>>;

export interface ContractApi {
  url: string;
  /** Every request that fitted a route, in order. */
  requests: ContractRequest[];
  /** Requests no answer was given for, and answers that do not follow the contract (answered 500). */
  violations: string[];
  close(): Promise<void>;
}

/**
 * Any plain route of ct's API, answered by the test's functions, on a real socket. Requests are checked
 * against the route's schemas as the API checks them (a bad one is answered 400 `validation_failed` naming
 * every bad field, before the test's function is asked), and answers against the route's responses, so that
 * neither the client's requests nor the test's fixtures can drift from the contract unnoticed.
 */
export async function startContractApi(answers: ContractAnswers): Promise<ContractApi> {
  const requests: ContractRequest[] = [];
  const violations: string[] = [];
  const routes = (Object.entries(API_ROUTES) as [ApiRouteName, RouteContract][]).map(([name, route]) => ({
    name,
    route,
    pattern: new RegExp(`^${route.path.replace(/:([A-Za-z_]\w*)/g, '(?<$1>[^/]+)')}$`),
  }));

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const found = routes.find((r) => r.route.method === req.method && r.pattern.test(url.pathname));
    if (!found)
      return answer(res, 404, { code: 'not_found', message: `no route ${req.method} ${url.pathname}` });
    const { name, route, pattern } = found;
    const params = Object.fromEntries(
      Object.entries(pattern.exec(url.pathname)?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
    );
    let body: unknown;
    if (route.upload) {
      // A file upload: its bytes as they came, under the route's media type only.
      if (req.headers['content-type'] !== route.upload.contentType)
        return answer(res, 400, {
          code: 'validation_failed',
          message: `the body must be sent as ${route.upload.contentType}, not ${req.headers['content-type']}`,
        });
      body = Buffer.concat(chunks);
    } else
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        return answer(res, 400, { code: 'malformed_json', message: 'the body is not JSON' });
      }
    const request: ContractRequest = {
      route: name,
      params,
      query: Object.fromEntries(url.searchParams),
      body,
    };
    const issues = [
      ...schemaIssues(route.params, request.params, 'params'),
      ...schemaIssues(route.query, request.query, 'query'),
      ...schemaIssues(route.body, request.body, 'body'),
    ];
    if (issues.length > 0) {
      const [first] = issues;
      return answer(res, 400, {
        code: 'validation_failed',
        message: `${first?.path}: ${first?.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
        details: issues,
      });
    }
    requests.push(request);
    const respond = answers[name];
    if (!respond) {
      violations.push(`no answer for ${name}`);
      return answer(res, 500, { code: 'internal', message: `the test gave no answer for ${name}` });
    }
    const reply = respond(request);
    const problem = answerProblem(route, reply.status, reply.body);
    if (problem) {
      violations.push(`${name} ${reply.status}: ${problem}`);
      return answer(res, 500, { code: 'internal', message: problem });
    }
    answer(res, reply.status, reply.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    violations,
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A route's schema of its params, query or body. */
type Schema = NonNullable<RouteContract['body']>;

function schemaIssues(schema: Schema | undefined, value: unknown, where: string) {
  if (!schema) return [];
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : where,
    message: issue.message,
  }));
}

/** Why an answer does not follow the route's contract, or null. */
function answerProblem(route: RouteContract, status: number, body: unknown): string | null {
  if (!Object.hasOwn(route.responses, status)) {
    const error = errorBodySchema.safeParse(body);
    return error.success ? null : `status ${status} is not declared and the body is not the error body`;
  }
  const schema = route.responses[status];
  if (!schema) return body === undefined ? null : 'the status has no body';
  const parsed = schema.safeParse(body);
  if (parsed.success) return null;
  return parsed.error.issues
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
