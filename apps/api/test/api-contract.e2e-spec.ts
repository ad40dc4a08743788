import { readFileSync } from 'node:fs';
import { API_ROUTES, type RouteContract, routeKey } from '@ct/shared';
import { z } from 'zod';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { handlerContracts, servedRoutes } from './registered-routes.js';

/**
 * Routes that are not part of the API contract: its own docs, UIs mounted beside the API, and Prometheus'
 * scrape endpoint (the text exposition format, not JSON).
 */
const NOT_IN_CONTRACT = [/^[A-Z]+ \/docs(\/|$)/, /^[A-Z]+ \/admin\/queues(\/|$)/];

const contractRoutes = Object.values(API_ROUTES) as RouteContract[];
const inputSchema = (schema: unknown) =>
  schema === undefined
    ? undefined
    : z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' });

describe('the route contract in @ct/shared and the routes the API serves', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('list the same routes (add an entry to API_ROUTES in packages/shared/src/api/api-routes.ts for a new route)', () => {
    const served = new Set(
      servedRoutes(api.app).filter((key) => !NOT_IN_CONTRACT.some((re) => re.test(key))),
    );
    const contract = new Set(contractRoutes.map(routeKey));
    const missingFromContract = [...served].filter((key) => !contract.has(key)).sort();
    const notServed = [...contract].filter((key) => !served.has(key)).sort();
    expect({ missingFromContract, notServed }).toEqual({ missingFromContract: [], notServed: [] });
  });

  it('agree on who may call each route and on the schemas that validate its input', () => {
    const handlers = new Map(handlerContracts(api.app).map((handler) => [handler.key, handler]));
    expect(contractRoutes.map(routeKey).filter((key) => !handlers.has(key))).toEqual([]);
    for (const route of contractRoutes) {
      const key = routeKey(route);
      const handler = handlers.get(key);
      const shape =
        route.params instanceof z.ZodObject ? (route.params.shape as Record<string, z.ZodType>) : {};
      const contract = {
        key,
        auth: route.auth,
        body: inputSchema(route.body),
        query: inputSchema(route.query),
        params: Object.fromEntries(
          Object.entries(shape).map(([name, schema]) => [name, inputSchema(schema)]),
        ),
      };
      const served = {
        key,
        auth: handler?.auth,
        body: inputSchema(handler?.body),
        query: inputSchema(handler?.query),
        params: Object.fromEntries(
          Object.entries(handler?.params ?? {}).map(([name, s]) => [name, inputSchema(s)]),
        ),
      };
      expect(served).toEqual(contract);
    }
  });

  it('serves the committed OpenAPI document and Swagger UI at /docs, without a key', async () => {
    const committed = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));
    const document = await api.http().get('/docs/openapi.json').expect(200).expect('Content-Type', /json/);
    expect(document.body).toEqual(committed);
    const page = await api.http().get('/docs').expect(200).expect('Content-Type', /html/);
    expect(page.text).toContain('/docs/openapi.json');
    for (const asset of page.text.matchAll(/(?:href|src)="(\/docs\/[^"]+)"/g))
      await api
        .http()
        .get(asset[1] ?? '')
        .expect(200);
    const notServed = await api.http().get('/docs/package.json').expect(404);
    expect(notServed.body.code).toBe('not_found');
  });

  it('keeps the docs public but the API behind a key', async () => {
    await api.http().get('/docs/openapi.json').set(bearer('not-a-key')).expect(200);
    await api.http().get('/v1/jobs').expect(401);
  });
});
