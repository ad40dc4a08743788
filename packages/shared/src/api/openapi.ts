import { z } from 'zod';
import { errorBodySchema } from '../errors/error-codes.js';
import { API_INFO, API_ROUTES } from './api-routes.js';
import { OPENAPI_SCHEMA_NAMES, SchemaComponents } from './openapi-components.js';
import { type JsonObject, operation, securitySchemes } from './openapi-operation.js';
import { pathParamNames, type RouteContract, type RouteTable, routeKey } from './route-contract.js';

export { errorStatuses, type JsonObject } from './openapi-operation.js';

/** An OpenAPI 3.1 document, as plain JSON. */
export interface OpenApiDocument extends JsonObject {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, JsonObject>>;
  components: { schemas: Record<string, JsonObject>; securitySchemes: Record<string, JsonObject> };
}

/** What `buildOpenApiDocument` puts into a document beside the routes. */
export interface OpenApiOptions {
  info: { title: string; version: string; description?: string };
  /** Where the API is; a relative URL (`/`) means "the server this document came from". */
  servers?: readonly { url: string; description?: string }[];
  /** Component names for schemas by identity; other schemas get names from their route. */
  schemaNames?: ReadonlyMap<z.ZodType, string>;
}

const ERROR_BODY = 'ErrorBody';

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
      securitySchemes: securitySchemes(),
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

function objectShape(schema: z.ZodType, what: string): Record<string, unknown> {
  if (!(schema instanceof z.ZodObject)) throw new Error(`${what} must be an object schema`);
  return schema.shape;
}
