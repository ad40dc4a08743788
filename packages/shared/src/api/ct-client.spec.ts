import { z } from 'zod';
import { API_ROUTES } from './api-routes.js';
import { createCtClient, createTypedClient } from './ct-client.js';
import { CtApiError, CtNetworkError, CtResponseError } from './ct-client-errors.js';
import { defineRoutes } from './route-contract.js';
import { routeUrl } from './route-url.js';

const item = z.object({ id: z.string(), n: z.number() });
const routes = defineRoutes({
  getItem: {
    method: 'GET',
    path: '/v1/items/:id',
    summary: 's',
    tag: 't',
    auth: 'viewer',
    params: z.object({ id: z.string() }),
    query: z.object({ limit: z.coerce.number().optional(), state: z.array(z.string()).optional() }),
    responses: { 200: item },
  },
  putItem: {
    method: 'POST',
    path: '/v1/items',
    summary: 's',
    tag: 't',
    auth: 'submitter',
    body: z.object({ n: z.number() }),
    responses: { 201: item, 200: item },
  },
  deleteItem: {
    method: 'DELETE',
    path: '/v1/items/:id',
    summary: 's',
    tag: 't',
    auth: 'admin',
    params: z.object({ id: z.string() }),
    responses: { 204: null },
  },
  metrics: {
    method: 'GET',
    path: '/metrics',
    summary: 's',
    tag: 't',
    auth: 'public',
    contentType: 'text/plain; version=0.0.4',
    responses: { 200: z.string() },
  },
});

interface Sent {
  url: string;
  init: RequestInit;
}

/** A fetch that records what it was asked and answers `status` with `body`. */
function fakeFetch(status: number, body: unknown, contentType = 'application/json') {
  const sent: Sent[] = [];
  const fetch = async (url: string | URL | Request, init: RequestInit = {}) => {
    sent.push({ url: String(url), init });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { 'content-type': contentType } });
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

function client(
  status: number,
  body: unknown,
  options: { validateResponses?: boolean; contentType?: string } = {},
) {
  const fake = fakeFetch(status, body, options.contentType);
  const sut = createTypedClient(routes, {
    baseUrl: 'http://api.test/ct/',
    apiKey: 'k1',
    fetch: fake.fetch,
    validateResponses: options.validateResponses ?? true,
  });
  return { sut, sent: fake.sent };
}

describe('routeUrl', () => {
  it.each([
    ['fills and encodes params', '/v1/x/:id', { id: 'a b/c' }, {}, 'http://h/v1/x/a%20b%2Fc'],
    ['leaves out undefined query values', '/v1/x', {}, { a: 1, b: undefined, c: null }, 'http://h/v1/x?a=1'],
    ['repeats array values', '/v1/x', {}, { s: ['a', 'b'] }, 'http://h/v1/x?s=a&s=b'],
    [
      'writes dates as ISO',
      '/v1/x',
      {},
      { at: new Date(0) },
      'http://h/v1/x?at=1970-01-01T00%3A00%3A00.000Z',
    ],
  ])('%s', (_case, path, params, query, expected) => {
    expect(routeUrl('http://h/', path, params, query)).toBe(expected);
  });

  it('refuses a missing param', () => {
    expect(() => routeUrl('http://h', '/v1/x/:id', {})).toThrow('needs the parameter "id"');
  });
});

describe('createTypedClient', () => {
  it('sends the key, the params and the query, and returns the body', async () => {
    const { sut, sent } = client(200, { id: 'a', n: 1 });
    await expect(
      sut.getItem({ params: { id: 'a' }, query: { limit: 5, state: ['x', 'y'] } }),
    ).resolves.toEqual({
      id: 'a',
      n: 1,
    });
    expect(sent[0]?.url).toBe('http://api.test/ct/v1/items/a?limit=5&state=x&state=y');
    expect(sent[0]?.init).toMatchObject({ method: 'GET', headers: { Authorization: 'Bearer k1' } });
    expect(sent[0]?.init.body).toBeUndefined();
  });

  it('sends a JSON body, and tells 200 from 201 through call()', async () => {
    const { sut, sent } = client(201, { id: 'b', n: 2 });
    const answer = await sut.call('putItem', { body: { n: 2 } });
    expect(answer).toMatchObject({ status: 201, body: { id: 'b', n: 2 } });
    expect(sent[0]?.init).toMatchObject({
      method: 'POST',
      body: '{"n":2}',
      headers: { 'Content-Type': 'application/json' },
    });
  });

  it('returns undefined for a declared answer without a body', async () => {
    await expect(client(204, '').sut.deleteItem({ params: { id: 'a' } })).resolves.toBeUndefined();
  });

  it('returns text from a non-JSON route', async () => {
    const { sut } = client(200, '# HELP x\nx 1\n', { contentType: 'text/plain' });
    await expect(sut.metrics()).resolves.toBe('# HELP x\nx 1\n');
  });

  it('throws CtApiError with the error body for an error answer', async () => {
    const body = { code: 'not_found', message: 'no item a', details: { id: 'a' } };
    const error = await client(404, body)
      .sut.getItem({ params: { id: 'a' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CtApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'no item a',
      details: { id: 'a' },
    });
    expect((error as CtApiError).route).toBe('GET /v1/items/:id');
  });

  it.each([
    [
      'an error answer that is not the error body',
      502,
      '<html>bad gateway</html>',
      'text/html',
      /not the error body/,
    ],
    ['a success body that is not JSON', 200, 'oops', 'application/json', /not JSON/],
    ['a success body its schema refuses', 200, { id: 'a', n: 'one' }, 'application/json', /n/],
  ])('throws CtResponseError for %s', async (_case, status, body, contentType, problem) => {
    const error = await client(status, body, { contentType })
      .sut.getItem({ params: { id: 'a' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CtResponseError);
    expect((error as CtResponseError).problem).toMatch(problem);
  });

  it('passes a body through unchecked without validateResponses', async () => {
    const { sut } = client(200, { id: 'a', n: 'one' }, { validateResponses: false });
    await expect(sut.getItem({ params: { id: 'a' } })).resolves.toEqual({ id: 'a', n: 'one' });
  });

  it('throws CtNetworkError, naming the URL and the reason, when the server cannot be reached', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: new Error('connect ECONNREFUSED'),
    });
    const sut = createTypedClient(routes, {
      baseUrl: 'http://127.0.0.1:9',
      fetch: (async () => Promise.reject(refused)) as typeof fetch,
    });
    const error = await sut.metrics().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CtNetworkError);
    expect((error as Error).message).toBe(
      'could not reach the ct API at http://127.0.0.1:9/metrics: fetch failed: connect ECONNREFUSED',
    );
  });

  it('lets an abort the caller asked for through as it is', async () => {
    const abort = new AbortController();
    abort.abort();
    const sut = createTypedClient(routes, { baseUrl: 'http://h', fetch: globalThis.fetch });
    await expect(sut.metrics(undefined, { signal: abort.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('is typed from the table (checked by the compiler; never called)', () => {
    const { sut } = client(200, {});
    const typeChecks = () => {
      // @ts-expect-error: params are required
      void sut.getItem();
      // @ts-expect-error: the body must match the schema
      void sut.putItem({ body: { n: 'x' } });
      const typed: Promise<{ id: string; n: number }> = sut.getItem({ params: { id: 'a' } });
      const nothing: Promise<undefined> = sut.deleteItem({ params: { id: 'a' } });
      const text: Promise<string> = sut.metrics();
      return [typed, nothing, text];
    };
    expect(typeChecks).toBeInstanceOf(Function);
  });
});

describe('createCtClient', () => {
  it('has a method for every route of the API', () => {
    const sut = createCtClient({ baseUrl: 'http://h' }) as unknown as Record<string, unknown>;
    for (const name of Object.keys(API_ROUTES)) expect([name, typeof sut[name]]).toEqual([name, 'function']);
  });
});
