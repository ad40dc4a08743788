import { z } from 'zod';
import { API_ROUTES, type ApiRoutes } from './api-routes.js';
import { CtNetworkError, CtResponseError, errorOfAnswer, excerpt } from './ct-client-errors.js';
import { type CtEventStream, followEventStream, type ReconnectOptions } from './event-stream.js';
import {
  type EventStreamContract,
  type RouteContract,
  type RouteEvent,
  type RouteInput,
  type RouteOutput,
  type RouteTable,
  routeKey,
} from './route-contract.js';
import { routeUrl } from './route-url.js';

export interface CtClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:3000` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; public routes work without it. */
  apiKey?: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Parse every answer with its schema from the contract and throw `CtResponseError` if it does not fit. */
  validateResponses?: boolean;
  /** Sent with every request. */
  headers?: Readonly<Record<string, string>>;
}

export interface CallOptions {
  signal?: AbortSignal;
  headers?: Readonly<Record<string, string>>;
}

export interface StreamCallOptions extends CallOptions, ReconnectOptions {
  /** Resume after this event id (sent as `Last-Event-ID`). */
  lastEventId?: string;
}

/** An answer with its status and headers, from `client.call()`. */
export interface CtResponse<Body> {
  status: number;
  headers: Headers;
  body: Body;
}

type Empty = Record<never, never>;
type Args<Route extends RouteContract, Options> =
  Empty extends RouteInput<Route>
    ? [input?: RouteInput<Route>, options?: Options]
    : [input: RouteInput<Route>, options?: Options];

/** A client method: a promise of the body, or for streaming routes a followed event stream. */
export type RouteMethod<Route extends RouteContract> = Route extends { stream: EventStreamContract }
  ? (...args: Args<Route, StreamCallOptions>) => CtEventStream<RouteEvent<Route>>
  : (...args: Args<Route, CallOptions>) => Promise<RouteOutput<Route>>;

type PlainRoutes<Table extends RouteTable> = {
  [Name in keyof Table]: Table[Name] extends { stream: EventStreamContract } ? never : Name;
}[keyof Table];

/** A client of a route table: one method per route, plus `call()` for the status and headers too. */
export type TypedClient<Table extends RouteTable> = {
  readonly [Name in keyof Table]: RouteMethod<Table[Name]>;
} & {
  call<Name extends PlainRoutes<Table>>(
    name: Name,
    ...args: Args<Table[Name], CallOptions>
  ): Promise<CtResponse<RouteOutput<Table[Name]>>>;
};

/** The typed client of ct's API. */
export type CtClient = TypedClient<ApiRoutes>;

interface AnyInput {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/**
 * A typed client of ct's API: one method per route of `API_ROUTES`, named as in the table (`submitJob`,
 * `getJob`, `jobEvents`...). Methods take `{ params, query, body }` (only the parts the route has) and
 * resolve to the body of the answer; error answers throw `CtApiError`, unreachable servers `CtNetworkError`.
 */
export function createCtClient(options: CtClientOptions): CtClient {
  return createTypedClient(API_ROUTES, options);
}

/** A typed client of any route table (`createCtClient` is this with `API_ROUTES`). */
export function createTypedClient<const Table extends RouteTable>(
  routes: Table,
  options: CtClientOptions,
): TypedClient<Table> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const validate = options.validateResponses ?? false;

  const headersOf = (extra: CallOptions['headers'], accept: string): Record<string, string> => ({
    Accept: accept,
    ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
    ...options.headers,
    ...extra,
  });

  const bodyOf = (route: RouteContract, status: number, text: string): unknown => {
    const schema = route.responses[status];
    if (!schema) return undefined;
    let value: unknown = text;
    if (isJson(route.contentType))
      try {
        value = JSON.parse(text);
      } catch {
        throw new CtResponseError(status, routeKey(route), 'the body is not JSON', excerpt(text));
      }
    if (!validate) return value;
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      throw new CtResponseError(status, routeKey(route), z.prettifyError(parsed.error), excerpt(text));
    return parsed.data;
  };

  async function call(name: string, input: AnyInput = {}, callOptions: CallOptions = {}) {
    const route = routeOf(routes, name);
    if (route.stream) throw new TypeError(`${name} is an event stream: call client.${name}() instead`);
    const url = routeUrl(options.baseUrl, route.path, input.params, input.query);
    const hasBody = input.body !== undefined;
    // An upload's body is the file's bytes as they are; any other body is JSON.
    const sent = route.upload
      ? { type: route.upload.contentType, body: input.body as Uint8Array<ArrayBuffer> }
      : { type: 'application/json', body: JSON.stringify(input.body) };
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(url, {
        method: route.method,
        headers: {
          ...headersOf(callOptions.headers, route.contentType ?? 'application/json'),
          ...(hasBody ? { 'Content-Type': sent.type } : {}),
        },
        ...(hasBody ? { body: sent.body } : {}),
        ...(callOptions.signal ? { signal: callOptions.signal } : {}),
      });
      text = await response.text();
    } catch (error) {
      if (callOptions.signal?.aborted) throw error;
      throw new CtNetworkError(url, error);
    }
    if (!Object.hasOwn(route.responses, response.status))
      throw errorOfAnswer(response.status, text, routeKey(route));
    return { status: response.status, headers: response.headers, body: bodyOf(route, response.status, text) };
  }

  function stream(name: string, input: AnyInput = {}, streamOptions: StreamCallOptions = {}) {
    const route = routeOf(routes, name);
    const contract = route.stream as EventStreamContract;
    const url = routeUrl(options.baseUrl, route.path, input.params, input.query);
    const key = routeKey(route);
    return followEventStream<unknown>({
      ...streamOptions,
      url,
      route: key,
      connect: (lastEventId, signal) =>
        fetchFn(url, {
          method: route.method,
          headers: {
            ...headersOf(streamOptions.headers, 'text/event-stream'),
            ...(lastEventId !== undefined ? { 'Last-Event-ID': lastEventId } : {}),
          },
          signal,
        }).catch((error: unknown) => {
          if (signal.aborted) throw error;
          throw new CtNetworkError(url, error);
        }),
      refuse: async (response) => errorOfAnswer(response.status, await response.text().catch(() => ''), key),
      parse: (data) => {
        let value: unknown;
        try {
          value = JSON.parse(data);
        } catch {
          throw new CtResponseError(200, key, 'an event is not JSON', excerpt(data));
        }
        if (!validate) return value;
        const parsed = contract.event.safeParse(value);
        if (!parsed.success)
          throw new CtResponseError(200, key, z.prettifyError(parsed.error), excerpt(data));
        return parsed.data;
      },
      isFinal: (data) => contract.isFinal(data),
    });
  }

  const client: Record<string, unknown> = { call };
  for (const [name, route] of Object.entries(routes))
    client[name] = route.stream
      ? (input?: AnyInput, callOptions?: StreamCallOptions) => stream(name, input, callOptions)
      : async (input?: AnyInput, callOptions?: CallOptions) => (await call(name, input, callOptions)).body;
  return client as TypedClient<Table>;
}

function routeOf(routes: RouteTable, name: string): RouteContract {
  const route = routes[name];
  if (!route) throw new TypeError(`no route named ${name}`);
  return route;
}

function isJson(contentType: string | undefined): boolean {
  return contentType === undefined || /[/+]json\b/i.test(contentType);
}
