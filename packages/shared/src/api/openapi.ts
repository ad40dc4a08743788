import { z } from 'zod';
import { API_KEY_ROLE_NAMES, ROLE_GRANTS } from '../auth/api-key.dto.js';
import { errorBodySchema } from '../errors/error-codes.js';
import { API_INFO, API_ROUTES } from './api-routes.js';
import { OPENAPI_SCHEMA_NAMES, SchemaComponents } from './openapi-components.js';
import {
  pathParamNames,
  type RouteAuth,
  type RouteContract,
  type RouteTable,
  routeKey,
} from './route-contract.js';

/** A JSON Schema or OpenAPI object, as plain JSON. */
export type JsonObject = Record<string, unknown>;

/** An OpenAPI 3.1 document, as plain JSON. */
export interface OpenApiDocument extends JsonObject {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, JsonObject>>;
  components: { schemas: Record<string, JsonObject>; securitySchemes: Record<string, JsonObject> };
}

export interface OpenApiOptions {
  info: { title: string; version: string; description?: string };
  /** Where the API is; a relative URL (`/`) means "the server this document came from". */
  servers?: readonly { url: string; description?: string }[];
  /** Component names for schemas by identity; other schemas get names from their route. */
  schemaNames?: ReadonlyMap<z.ZodType, string>;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  400: 'The request is not valid (validation_failed, malformed_json)',
  401: 'No API key, or an unknown or revoked one (unauthenticated)',
  403: "The key's role may not do this (forbidden)",
  404: "Not found, or not visible to the key's team (not_found)",
  409: 'Not possible in the current state (illegal_transition, conflict)',
  413: 'The body is larger than the limit (payload_too_large)',
  429: 'Too many requests (rate_limited)',
  503: 'A dependency (Redis, Postgres, MLflow) is unavailable (dependency_unavailable)',
};

const ERROR_BODY = 'ErrorBody';
const BEARER = 'bearer';

/**
 * Builds an OpenAPI 3.1 document from a route table: request schemas as zod's input JSON Schema, responses
 * as its output JSON Schema, every error with the shared error body. Throws when the table is inconsistent
 * (a duplicate route, params that do not match the path's placeholders).
 */
export function buildOpenApiDocument(routes: RouteTable, options: OpenApiOptions): OpenApiDocument {
  checkTable(routes);
  const input = new SchemaComponents('input', options.schemaNames);
  const output = new SchemaComponents('output', options.schemaNames);
  output.add(errorBodySchema, ERROR_BODY);
  for (const [name, route] of Object.entries(routes)) collect(name, route, input, output);
  const outputSchemas = output.build();
  const inputSchemas = input.build(new Set(Object.keys(outputSchemas)));

  const paths: OpenApiDocument['paths'] = {};
  for (const [name, route] of Object.entries(routes)) {
    const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(name, route, input, output);
  }
  return {
    openapi: '3.1.1',
    info: { ...options.info },
    ...(options.servers ? { servers: options.servers.map((server) => ({ ...server })) } : {}),
    tags: [...new Set(Object.values(routes).map((route) => route.tag))].map((tag) => ({ name: tag })),
    paths,
    components: {
      schemas: { ...outputSchemas, ...inputSchemas },
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key, sent as `Authorization: Bearer <key>`. Admins create keys with POST /v1/keys.',
        },
      },
    },
  };
}

/** The document of ct's API, as served at `/docs/openapi.json` and committed as `apps/api/openapi.json`. */
export function ctOpenApiDocument(): OpenApiDocument {
  return buildOpenApiDocument(API_ROUTES, {
    info: API_INFO,
    servers: [{ url: '/' }],
    schemaNames: OPENAPI_SCHEMA_NAMES,
  });
}

function checkTable(routes: RouteTable): void {
  const seen = new Set<string>();
  for (const [name, route] of Object.entries(routes)) {
    const key = routeKey(route);
    if (seen.has(key)) throw new Error(`route ${name}: ${key} is in the table twice`);
    seen.add(key);
    const placeholders = pathParamNames(route.path).sort();
    const declared = route.params
      ? Object.keys(objectShape(route.params, `route ${name} params`)).sort()
      : [];
    if (placeholders.join() !== declared.join())
      throw new Error(
        `route ${name}: path ${route.path} has params [${placeholders}] but its params schema has [${declared}]`,
      );
  }
}

function collect(
  name: string,
  route: RouteContract,
  input: SchemaComponents,
  output: SchemaComponents,
): void {
  const base = name.charAt(0).toUpperCase() + name.slice(1);
  if (route.params) input.add(route.params, `${base}Params`, { inline: true });
  if (route.query) input.add(route.query, `${base}Query`, { inline: true });
  if (route.headers) input.add(route.headers, `${base}Headers`, { inline: true });
  if (route.body) input.add(route.body, `${base}Body`);
  for (const [status, schema] of Object.entries(route.responses))
    if (schema) output.add(schema, `${base}Response${status}`);
  if (route.stream) output.add(route.stream.event, `${base}Event`);
  if (route.stream?.id) output.add(route.stream.id, `${base}EventId`, { inline: true });
}

function operation(
  name: string,
  route: RouteContract,
  input: SchemaComponents,
  output: SchemaComponents,
): JsonObject {
  const parameters = [
    ...(route.params ? parametersOf(input.inlined(route.params), 'path') : []),
    ...(route.query ? parametersOf(input.inlined(route.query), 'query') : []),
    ...(route.headers ? parametersOf(input.inlined(route.headers), 'header') : []),
  ];
  const description = [route.description, roleNote(route.auth)].filter(Boolean).join('\n\n');
  return {
    operationId: name,
    summary: route.summary,
    ...(description ? { description } : {}),
    tags: [route.tag],
    security: route.auth === 'public' ? [] : [{ [BEARER]: [] }],
    ...(route.auth === 'public' ? {} : { 'x-ct-role': route.auth }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: !route.body.safeParse(undefined).success,
            content: { 'application/json': { schema: input.ref(route.body) } },
          },
        }
      : {}),
    ...(route.upload
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              [route.upload.contentType, ...(route.upload.alsoAccepted ?? [])].map((type) => [
                type,
                { schema: { type: 'string', format: 'binary' } },
              ]),
            ),
          },
        }
      : {}),
    responses: responses(route, output),
  };
}

function responses(route: RouteContract, output: SchemaComponents): JsonObject {
  const result: JsonObject = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    const description = STATUS_TEXT[Number(status)] ?? `Status ${status}`;
    if (route.stream)
      result[status] = {
        description: 'Server-Sent Events',
        content: {
          'text/event-stream': {
            schema: serverSentEvent(
              route.stream.id ? output.inlined(route.stream.id) : { type: 'string' },
              output.ref(route.stream.event),
            ),
          },
        },
      };
    else if (schema === null) result[status] = { description };
    else
      result[status] = {
        description,
        content: { [route.contentType ?? 'application/json']: { schema: output.ref(schema) } },
      };
  }
  for (const status of errorStatuses(route))
    result[String(status)] = {
      description: STATUS_TEXT[status] ?? `Error ${status}`,
      content: { 'application/json': { schema: output.ref(errorBodySchema) } },
    };
  result.default = {
    description: 'An unexpected failure (internal)',
    content: { 'application/json': { schema: output.ref(errorBodySchema) } },
  };
  return result;
}

/**
 * One event of a `text/event-stream` answer, as the API frames every event: `id:` (to resume from, with
 * `Last-Event-ID`), `event:` (the type) and `data:` (one JSON value). OpenAPI 3.2 calls this the media
 * type's `itemSchema`; before 3.2 a sequential media type's `schema` describes one item, as here. Comment
 * lines (keep-alives) and the `retry:` line carry no data and are no events.
 */
function serverSentEvent(id: JsonObject, data: JsonObject): JsonObject {
  return {
    type: 'object',
    properties: {
      id,
      event: { type: 'string', minLength: 1 },
      data: { type: 'string', contentMediaType: 'application/json', contentSchema: data },
      retry: { type: 'integer', minimum: 0 },
    },
    required: ['id', 'event', 'data'],
  };
}

/** The error statuses a route can answer: from its auth, its inputs and its own list. */
export function errorStatuses(route: RouteContract): number[] {
  const statuses = new Set(route.errors ?? []);
  if (route.params || route.query || route.headers || route.body || route.upload) statuses.add(400);
  if (route.body || route.upload) statuses.add(413);
  if (route.auth !== 'public') statuses.add(401);
  if (route.auth !== 'public' && route.auth !== 'viewer') statuses.add(403);
  for (const status of Object.keys(route.responses)) statuses.delete(Number(status));
  return [...statuses].sort((a, b) => a - b);
}

function parametersOf(schema: JsonObject, where: 'path' | 'query' | 'header'): JsonObject[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

function roleNote(auth: RouteAuth): string | undefined {
  if (auth === 'public') return undefined;
  const roles = API_KEY_ROLE_NAMES.filter((role) => ROLE_GRANTS[role].includes(auth));
  return `Needs a key with one of the roles: ${roles.join(', ')}.`;
}

function objectShape(schema: z.ZodType, what: string): Record<string, unknown> {
  if (!(schema instanceof z.ZodObject)) throw new Error(`${what} must be an object schema`);
  return schema.shape;
}
