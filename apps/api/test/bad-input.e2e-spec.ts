import type { ErrorCode } from '@ct/shared';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

type Body = Record<string, unknown>;
const valid = submission() as Body;
const spec = valid.spec as Body;
const model = spec.model as Body;
const withSpec = (patch: Body): Body => ({ ...valid, spec: { ...spec, ...patch } });

/** [case, body, path named in details]: each must be 400 validation_failed. */
const invalidBodies: [string, unknown, string][] = [
  ['an empty object', {}, 'spec'],
  ['a JSON array', [], '(body)'],
  ['spec of the wrong type', { spec: 'diabetes' }, 'spec'],
  ['a missing task', { spec: { ...spec, task: undefined } }, 'spec.task'],
  ['an unknown task', withSpec({ task: 'clustering' }), 'spec.task'],
  ['an unknown top-level field', { ...valid, owner: 'ana' }, 'owner'],
  ['an unknown field in spec', withSpec({ schedule: '@daily' }), 'spec.schedule'],
  ['an unknown field in spec.model', withSpec({ model: { ...model, gpu: true } }), 'spec.model.gpu'],
  [
    'an unknown field in the data source',
    withSpec({ data: { source: 'sklearn', name: 'iris', rows: 5 } }),
    'spec.data.rows',
  ],
  ['__proto__ as a field', JSON.parse('{"__proto__":{"admin":true}}'), '__proto__'],
  ['a huge pipeline name', withSpec({ pipeline: 'a'.repeat(100_000) }), 'spec.pipeline'],
  ['an upper-case pipeline name', withSpec({ pipeline: 'Diabetes' }), 'spec.pipeline'],
  ['a huge idempotency key', { ...valid, idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
  ['a huge tag value', { ...valid, tags: { owner: 'x'.repeat(201) } }, 'tags.owner'],
  ['a bad tag name', { ...valid, tags: { 'two words': 'x' } }, 'tags.two words'],
  [
    'too many tags',
    { ...valid, tags: Object.fromEntries([...Array(21).keys()].map((i) => [`t${i}`, 'x'])) },
    'tags',
  ],
  ['a huge param value', { ...valid, params: { alpha: 'x'.repeat(1001) } }, 'params.alpha'],
  ['a negative timeoutSeconds', { ...valid, timeoutSeconds: -1 }, 'timeoutSeconds'],
  ['a zero timeoutSeconds', { ...valid, timeoutSeconds: 0 }, 'timeoutSeconds'],
  ['a huge timeoutSeconds', { ...valid, timeoutSeconds: 1e12 }, 'timeoutSeconds'],
  ['a fractional timeoutSeconds', { ...valid, timeoutSeconds: 1.5 }, 'timeoutSeconds'],
  ['timeoutSeconds as a string', { ...valid, timeoutSeconds: '60' }, 'timeoutSeconds'],
  ['priority 0', { ...valid, priority: 0 }, 'priority'],
  ['11 attempts', { ...valid, maxAttempts: 11 }, 'maxAttempts'],
  ['an unknown trigger', { ...valid, trigger: 'cron' }, 'trigger'],
  ['an unknown estimator', withSpec({ model: { estimator: 'os.system' } }), 'spec.model.estimator'],
  [
    'an estimator that does not match the task',
    withSpec({ model: { estimator: 'sklearn.linear_model.LogisticRegression' } }),
    'spec.model.estimator',
  ],
  [
    'a csv path with ..',
    withSpec({ data: { source: 'csv', path: 'data/../../etc/passwd', target: 'y' } }),
    'spec.data.path',
  ],
  [
    'an absolute csv path',
    withSpec({ data: { source: 'csv', path: '/etc/passwd', target: 'y' } }),
    'spec.data.path',
  ],
  ['a test split of 0.99', withSpec({ split: { test_size: 0.99 } }), 'spec.split.test_size'],
  [
    'too many synthetic rows',
    withSpec({ data: { source: 'synthetic', rows: 1e9, features: 3, seed: 1 } }),
    'spec.data.rows',
  ],
];

describe('bad input is a 4xx with a code, never a 500 (real Postgres and Redis)', () => {
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.key('team-a', 'submitter');
  });

  afterAll(async () => {
    await api.close();
  });

  const byPath = invalidBodies.map(([name, body, path]) => [name, path, body] as const);

  it.each(byPath)('POST /v1/jobs with %s: 400 naming %s', async (_case, path, body) => {
    const res = await api
      .http()
      .post('/v1/jobs')
      .set(bearer(key))
      .send(body as object)
      .expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
    expect(res.body.message.length).toBeLessThan(1_000);
  });

  /** [case, content type, raw body, status, code]. */
  const rawBodies: [string, string, string, number, ErrorCode][] = [
    ['JSON cut short', 'application/json', '{"spec": {', 400, 'malformed_json'],
    ['not JSON at all', 'application/json', 'spec=diabetes', 400, 'malformed_json'],
    ['a bare JSON string', 'application/json', '"diabetes"', 400, 'malformed_json'],
    ['JSON sent as text/plain', 'text/plain', JSON.stringify(valid), 400, 'malformed_json'],
    ['a form', 'application/x-www-form-urlencoded', 'spec=diabetes', 400, 'malformed_json'],
    [
      'a 1 MB body',
      'application/json',
      JSON.stringify({ ...valid, tags: { pad: 'x'.repeat(1_000_000) } }),
      413,
      'payload_too_large',
    ],
  ];

  const byStatus = rawBodies.map(
    ([name, type, body, status, code]) => [name, status, code, type, body] as const,
  );

  it.each(byStatus)('POST /v1/jobs with %s: %i %s', async (_case, status, code, type, body) => {
    const res = await api
      .http()
      .post('/v1/jobs')
      .set(bearer(key))
      .set('Content-Type', type)
      .send(body)
      .expect(status);
    expect(res.body).toEqual({ code, message: expect.any(String) });
  });

  it('takes a body just under the limit, and a JSON type with a charset', async () => {
    const padded = { ...valid, tags: { pad: 'x'.repeat(200) } };
    await api
      .http()
      .post('/v1/jobs')
      .set(bearer(key))
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify(padded))
      .expect(201);
  });

  /** [method, path, status, code, path named in details or null]. */
  const badRequests: [string, string, number, ErrorCode, string | null][] = [
    ['GET', '/v1/jobs/not-a-uuid', 400, 'validation_failed', 'id'],
    ['GET', "/v1/jobs/1'%20OR%201=1", 400, 'validation_failed', 'id'],
    ['POST', '/v1/jobs/not-a-uuid/cancel', 400, 'validation_failed', 'id'],
    ['POST', '/v1/jobs/not-a-uuid/retry', 400, 'validation_failed', 'id'],
    ['GET', '/v1/jobs/not-a-uuid/logs', 400, 'validation_failed', 'id'],
    ['GET', '/v1/jobs/not-a-uuid/events', 400, 'validation_failed', 'id'],
    ['GET', '/v1/jobs/%E0%A4%A', 400, 'validation_failed', null],
    ['GET', '/v1/jobs?color=blue', 400, 'validation_failed', 'color'],
    ['GET', '/v1/jobs?cursor=garbage', 400, 'validation_failed', 'cursor'],
    [
      'GET',
      `/v1/jobs?cursor=${Buffer.from('["2026-01-01T00:00:00Z","x"]').toString('base64url')}`,
      400,
      'validation_failed',
      'cursor',
    ],
    ['GET', '/v1/jobs?limit=0', 400, 'validation_failed', 'limit'],
    ['GET', '/v1/jobs?limit=abc', 400, 'validation_failed', 'limit'],
    ['GET', '/v1/jobs?limit=1&limit=2', 400, 'validation_failed', 'limit'],
    ['GET', '/v1/jobs?state=sleeping', 400, 'validation_failed', 'state'],
    ['GET', '/v1/jobs?createdAfter=yesterday', 400, 'validation_failed', 'createdAfter'],
    [
      'GET',
      '/v1/jobs/00000000-0000-4000-8000-000000000000/logs?offset=-1',
      400,
      'validation_failed',
      'offset',
    ],
    ['GET', '/v1/jobs/00000000-0000-4000-8000-000000000000/logs?tail=x', 400, 'validation_failed', 'tail'],
    [
      'GET',
      '/v1/jobs/00000000-0000-4000-8000-000000000000/events?after=x',
      400,
      'validation_failed',
      'after',
    ],
    ['GET', '/v1/jobs/00000000-0000-4000-8000-000000000000', 404, 'not_found', null],
    ['GET', '/v1/pipelines/00000000-0000-4000-8000-000000000000', 404, 'not_found', null],
    ['GET', '/v1/pipelines/Not_A_Name!', 400, 'validation_failed', 'id'],
    ['GET', '/v1/pipelines/no-such-pipeline/predictions', 404, 'not_found', null],
    ['GET', '/v1/pipelines/no-such-pipeline/predictions?labelled=1', 400, 'validation_failed', 'labelled'],
    ['GET', '/v1/pipelines/no-such-pipeline/predictions?since=monday', 400, 'validation_failed', 'since'],
    ['GET', '/v1/pipelines/no-such-pipeline/performance', 404, 'not_found', null],
    ['GET', '/v1/pipelines/no-such-pipeline/performance?limit=0', 400, 'validation_failed', 'limit'],
    ['DELETE', '/v1/jobs', 404, 'not_found', null],
    ['GET', '/nowhere', 404, 'not_found', null],
  ];

  /** [case, route, body, path named in details]: scoring and ground-truth bodies, each 400 validation_failed. */
  const scoringBodies: [string, string, unknown, string][] = [
    [
      'an outcome given as a word',
      'ground-truth',
      { items: [{ rowKey: 'k', outcome: 'high' }] },
      'items.0.outcome',
    ],
    ['a ground truth of no items', 'ground-truth', { items: [] }, 'items'],
    [
      'rows and a source',
      'scores',
      { rows: [{ x: 1 }], source: { source: 'sklearn', name: 'iris' } },
      'rows',
    ],
    ['1,001 rows', 'scores', { rows: Array.from({ length: 1_001 }, () => ({ x: 1 })) }, 'rows'],
    ['a cell of the wrong type', 'scores', { rows: [{ x: { nested: 1 } }] }, 'rows.0.x'],
    ['a model with a space', 'scores', { model: 'my model' }, 'model'],
    ['a window given as text', 'monitor', { windowSeconds: 'a day' }, 'windowSeconds'],
  ];

  /** [route, pipeline, status, code, path named in details or null], with a valid body. */
  const scoringPosts: [string, string, number, ErrorCode, string | null][] = [
    ['scores', 'Not_A_Name!', 400, 'validation_failed', 'id'],
    ['scores', '00000000-0000-4000-8000-000000000000', 404, 'not_found', null],
    ['monitor', 'no-such-pipeline', 404, 'not_found', null],
    ['ground-truth', 'Not_A_Name!', 400, 'validation_failed', 'id'],
    ['ground-truth', 'no-such-pipeline', 404, 'not_found', null],
  ];
  const validBodies: Record<string, object> = {
    scores: {},
    monitor: {},
    'ground-truth': { items: [{ rowKey: 'k', outcome: 1 }] },
  };

  it.each(scoringPosts)(
    'POST /v1/pipelines/:id/%s, :id %s: %i %s',
    async (route, ref, status, code, field) => {
      const res = await api
        .http()
        .post(`/v1/pipelines/${encodeURIComponent(ref)}/${route}`)
        .set(bearer(key))
        .send(validBodies[route] ?? {})
        .expect(status);
      expect(res.body).toMatchObject({ code, message: expect.any(String) });
      if (field) expect(res.body.details).toEqual([expect.objectContaining({ path: field })]);
    },
  );

  it.each(scoringBodies)('%s, POST /v1/pipelines/:id/%s: 400', async (_case, route, body, path) => {
    // The body is checked before the pipeline is looked up: no pipeline is needed.
    const res = await api
      .http()
      .post(`/v1/pipelines/no-such-pipeline/${route}`)
      .set(bearer(key))
      .send(body as object)
      .expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
  });

  it.each(badRequests)('%s %s: %i %s', async (method, path, status, code, field) => {
    const res = await api
      .http()
      [method.toLowerCase() as 'get' | 'post' | 'delete'](path)
      .set(bearer(key))
      .expect(status);
    expect(res.body).toMatchObject({ code, message: expect.any(String) });
    if (field)
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });
});
