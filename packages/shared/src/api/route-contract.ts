import type { z } from 'zod';
import type { ApiKeyRoleName } from '../auth/api-key.dto.js';

/** The HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: anyone (`public`), or a key with at least this role (see `ROLE_GRANTS`). */
export type RouteAuth = 'public' | ApiKeyRoleName;

/** A route that answers with a stream of Server-Sent Events whose `data:` lines are JSON. */
export interface EventStreamContract<Event extends z.ZodType = z.ZodType> {
  /** The schema of each event's `data:`. */
  event: Event;
  /** The schema of each event's `id:` (what a client sends back as `Last-Event-ID`); any string if unset. */
  id?: z.ZodType<string>;
  /** True for the event after which the server ends the stream for good (a client stops reconnecting). */
  isFinal(event: z.output<Event>): boolean;
}

/**
 * One route of the API: what it takes, what it answers and who may call it. The API, the OpenAPI document
 * and the typed client all read the same entry, so that none of them can drift from the others.
 */
export interface RouteContract {
  method: HttpMethod;
  /** Nest-style path with `:param` placeholders, e.g. `/v1/jobs/:id`. */
  path: string;
  summary: string;
  description?: string;
  /** Groups routes in the OpenAPI document. */
  tag: string;
  auth: RouteAuth;
  /** An object schema with one entry per `:param` of the path. */
  params?: z.ZodType;
  /** An object schema of the query string. */
  query?: z.ZodType;
  /**
   * An object schema of the request headers the route reads besides `Authorization`, by their usual
   * spelling (e.g. `Last-Event-ID`). The OpenAPI document lists them; the API checks them where it reads them.
   */
  headers?: z.ZodType;
  /** The JSON body; a schema that accepts `undefined` makes the body optional. */
  body?: z.ZodType;
  /**
   * Set on routes whose body is a file sent as it is, of this media type (not JSON, and no `body` schema):
   * the client sends bytes, the API reads them raw up to its own limit.
   */
  upload?: { contentType: string; alsoAccepted?: readonly string[] };
  /**
   * The answers that are not errors, by status: the body's schema, or null for no body (or, on a route
   * with `stream`, for the event stream). A status here may be >= 400 when its body is not the error body
   * (readiness answers 503 with the readiness report).
   */
  responses: Readonly<Record<number, z.ZodType | null>>;
  /**
   * Error statuses this route can answer with the shared error body, beyond those implied by its auth
   * (401, 403) and its inputs (400, and 413 for a body). Each is listed in the OpenAPI document.
   */
  errors?: readonly number[];
  /** The media type of the success body: JSON unless said (e.g. `text/plain` for metrics). */
  contentType?: string;
  /** Set on routes that answer with `text/event-stream`. */
  stream?: EventStreamContract;
}

/** The route table: one entry per route, keyed by the name of the client method that calls it. */
export type RouteTable = Readonly<Record<string, RouteContract>>;

/** Keeps the literal types of a route table (for the client's typing) while checking every entry. */
export function defineRoutes<const Table extends RouteTable>(table: Table): Table {
  return table;
}

type Empty = Record<never, never>;

/** An input part is optional when every field of it is. */
type Part<Key extends string, Schema> = Schema extends z.ZodType
  ? undefined extends z.input<Schema>
    ? { [K in Key]?: z.input<Schema> }
    : Empty extends z.input<Schema>
      ? { [K in Key]?: z.input<Schema> }
      : { [K in Key]: z.input<Schema> }
  : Empty;

/** What a client sends to a route: `{ params, query, body }`, each present only when the route has it. */
export type RouteInput<Route extends RouteContract> = Part<'params', Route['params']> &
  Part<'query', Route['query']> &
  Part<'body', Route['body']> &
  (Route extends { upload: object } ? { body: Uint8Array } : Empty);

type BodyOf<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;

/** What a route answers (any of its declared responses); `undefined` for a response without a body. */
export type RouteOutput<Route extends RouteContract> = BodyOf<Route['responses'][keyof Route['responses']]>;

/** The data of one event of a streaming route. */
export type RouteEvent<Route extends RouteContract> =
  Route['stream'] extends EventStreamContract<infer Event> ? z.output<Event> : never;

/** The `:param` names in a Nest-style path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] as string);
}

/** `METHOD /path`: how route sets are compared (e.g. against the routes Nest registered). */
export function routeKey(route: Pick<RouteContract, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
