import { z } from 'zod';
import { API_ROUTES } from './api-routes.js';
import { buildOpenApiDocument, ctOpenApiDocument, errorStatuses, type JsonObject } from './openapi.js';
import { pathParamNames, type RouteTable } from './route-contract.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every `$ref` anywhere in a JSON value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner),
  );
}

function resolve(document: JsonObject, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, segment) => (node as Record<string, unknown> | undefined)?.[segment], document);
}

describe("the OpenAPI document of ct's API", () => {
  const sut = ctOpenApiDocument();
  const operations = Object.entries(sut.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation: operation as JsonObject })),
  );

  it('is OpenAPI 3.1 with a relative server and a bearer scheme', () => {
    expect(sut.openapi).toMatch(/^3\.1\.\d+$/);
    expect(sut.servers).toEqual([{ url: '/' }]);
    expect(sut.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('has one operation per route of the table, and only valid methods on each path', () => {
    expect(operations.map((op) => op.operation.operationId).sort()).toEqual(Object.keys(API_ROUTES).sort());
    for (const { method, path } of operations) expect([path, METHODS.includes(method)]).toEqual([path, true]);
    for (const item of Object.values(sut.paths)) expect(Object.keys(item).length).toBeGreaterThan(0);
  });

  it('resolves every $ref to a schema of the document', () => {
    const refs = refsIn(sut);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect([ref, typeof resolve(sut, ref)]).toEqual([ref, 'object']);
  });

  it('declares exactly the path placeholders as path parameters', () => {
    for (const { path, operation } of operations) {
      const parameters = (operation.parameters ?? []) as { name: string; in: string; required: boolean }[];
      const inPath = parameters.filter((p) => p.in === 'path');
      expect([path, inPath.map((p) => p.name).sort()]).toEqual([
        path,
        pathParamNames(path.replace(/\{(\w+)\}/g, ':$1')).sort(),
      ]);
      expect(inPath.every((p) => p.required)).toBe(true);
    }
  });

  it('answers errors with the shared error body, listing 401/403 by auth and 400/413 by input', () => {
    const submit = sut.paths['/v1/jobs']?.post as { responses: Record<string, JsonObject> };
    expect(Object.keys(submit.responses).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '403',
      '413',
      '503',
      'default',
    ]);
    expect(submit.responses['403']).toEqual({
      description: expect.any(String),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
    });
    const live = sut.paths['/health/live']?.get as { security: unknown[]; responses: JsonObject };
    expect(live.security).toEqual([]);
    expect(Object.keys(live.responses)).toEqual(['200', 'default']);
    const errorBody = sut.components.schemas.ErrorBody as { properties: { code: { enum: string[] } } };
    expect(errorBody.properties.code.enum).toContain('illegal_transition');
  });

  it('documents requests as clients send them and answers as the API gives them', () => {
    const submit = sut.components.schemas.SubmitJob as { required: string[] };
    expect(submit.required).toEqual(['spec']);
    const job = sut.components.schemas.Job as { required: string[] };
    expect(job.required).toEqual(expect.arrayContaining(['id', 'state', 'priority', 'spec']));
    const decide = sut.paths['/v1/models/{name}/versions/{version}/approve']?.post as JsonObject;
    expect(decide.requestBody).toMatchObject({ required: false });
    const listJobs = sut.paths['/v1/jobs']?.get as { parameters: JsonObject[] };
    expect(listJobs.parameters.find((p) => p.name === 'limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', default: 50 },
    });
  });

  it('describes each event of the stream: its id, its type and a JobEvent as JSON data', () => {
    const events = sut.paths['/v1/jobs/{id}/events']?.get as {
      responses: Record<string, JsonObject>;
      parameters: JsonObject[];
    };
    expect(events.responses['200']).toMatchObject({
      content: {
        'text/event-stream': {
          schema: {
            type: 'object',
            properties: {
              id: { type: 'string', pattern: '^\\d{1,18}$' },
              event: { type: 'string' },
              data: {
                type: 'string',
                contentMediaType: 'application/json',
                contentSchema: { $ref: '#/components/schemas/JobEvent' },
              },
            },
            required: ['id', 'event', 'data'],
          },
        },
      },
    });
    expect(events.parameters).toContainEqual({
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      schema: { type: 'string', pattern: '^\\d{1,18}$' },
    });
  });
});

describe('buildOpenApiDocument', () => {
  const info = { title: 't', version: '1' };
  const base = {
    summary: 's',
    tag: 't',
    auth: 'public',
    responses: { 200: z.object({ a: z.string() }) },
  } as const;

  it.each([
    [
      'params missing from the schema',
      { a: { ...base, method: 'GET', path: '/x/:id' } },
      /has params \[id\]/,
    ],
    [
      'params not in the path',
      { a: { ...base, method: 'GET', path: '/x', params: z.object({ id: z.string() }) } },
      /has params \[\] but its params schema has \[id\]/,
    ],
    [
      'a route twice',
      { a: { ...base, method: 'GET', path: '/x' }, b: { ...base, method: 'GET', path: '/x' } },
      /GET \/x is in the table twice/,
    ],
  ] as [string, RouteTable, RegExp][])('refuses a table with %s', (_case, table, message) => {
    expect(() => buildOpenApiDocument(table, { info })).toThrow(message);
  });

  it('names unnamed schemas after their route, and gives a schema used both ways two components', () => {
    const shared = z.object({ n: z.number().default(1) });
    const sut = buildOpenApiDocument(
      { echo: { ...base, method: 'POST', path: '/echo', body: shared, responses: { 200: shared } } },
      { info, schemaNames: new Map([[shared, 'Thing']]) },
    );
    expect(Object.keys(sut.components.schemas).sort()).toEqual(['ErrorBody', 'Thing', 'ThingInput']);
    expect((sut.components.schemas.Thing as { required: string[] }).required).toEqual(['n']);
    expect((sut.components.schemas.ThingInput as { required?: string[] }).required).toBeUndefined();
    const unnamed = buildOpenApiDocument({ ping: { ...base, method: 'GET', path: '/ping' } }, { info });
    expect(Object.keys(unnamed.components.schemas)).toContain('PingResponse200');
  });

  it.each([
    ['a public route without input', { auth: 'public' }, []],
    ['a viewer route with params', { auth: 'viewer', params: z.object({}) }, [400, 401]],
    [
      'an admin route with a body and its own 404',
      { auth: 'admin', body: z.object({}), errors: [404] },
      [400, 401, 403, 404, 413],
    ],
  ] as const)('lists the error statuses of %s', (_case, route, expected) => {
    expect(errorStatuses({ ...base, method: 'GET', path: '/x', ...route })).toEqual(expected);
  });
});
