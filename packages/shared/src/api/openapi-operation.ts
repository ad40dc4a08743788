import { API_KEY_ROLE_NAMES, ROLE_GRANTS } from '../auth/api-key.dto.js';
import { errorBodySchema } from '../errors/error-codes.js';
import type { SchemaComponents } from './openapi-components.js';
import type { RouteAuth, RouteContract } from './route-contract.js';

/** A JSON Schema or OpenAPI object, as plain JSON. */
export type JsonObject = Record<string, unknown>;

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

/** The security scheme that every operation but the public ones requires. */
const BEARER = 'bearer';

/** The document's security schemes: the API key, sent as a bearer token. */
export function securitySchemes(): Record<string, JsonObject> {
  return {
    [BEARER]: {
      type: 'http',
      scheme: 'bearer',
      description:
        'An API key, sent as `Authorization: Bearer <key>`. Admins create keys with POST /v1/keys.',
    },
  };
}

/**
 * The OpenAPI operation of one route: its parameters (inlined from the params, query and headers schemas),
 * its request body (a JSON schema or an upload), its responses and errors, and the roles it needs.
 */
export function operation(
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
