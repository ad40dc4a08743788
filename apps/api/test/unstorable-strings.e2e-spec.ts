import { bearer, startTestApi, submission, type TestApi } from './harness.js';

type Body = Record<string, unknown>;
const valid = submission() as Body & { spec: Body & { model: Body } };
const withModelParam = (value: string): Body => ({
  ...valid,
  spec: { ...valid.spec, model: { ...valid.spec.model, params: { solver: value } } },
});
const csvTarget = (target: string): Body => ({
  ...valid,
  spec: { ...valid.spec, data: { source: 'csv', path: 'data/x.csv', target } },
});

const NUL = 'a\u0000b';
const LONE = 'x\ud800';

/** [case, method, path, body (or null), role of the key, field named]: each must be 400 validation_failed. */
const cases: [string, 'get' | 'post', string, Body | null, 'submitter' | 'admin' | 'approver', string][] = [
  ['a NUL in a query parameter', 'get', '/v1/jobs?pipeline=a%00b', null, 'submitter', 'pipeline'],
  ['a NUL in a cursor', 'get', '/v1/jobs?cursor=%00', null, 'submitter', 'cursor'],
  ['a NUL in a tag value', 'post', '/v1/jobs', { ...valid, tags: { owner: NUL } }, 'submitter', 'tags.owner'],
  [
    'a NUL in a param override',
    'post',
    '/v1/jobs',
    { ...valid, params: { solver: NUL } },
    'submitter',
    'params.solver',
  ],
  [
    'a NUL in a model param',
    'post',
    '/v1/jobs',
    withModelParam(NUL),
    'submitter',
    'spec.model.params.solver',
  ],
  ['a NUL in a data column', 'post', '/v1/jobs', csvTarget(NUL), 'submitter', 'spec.data.target'],
  ['a NUL in a key name', 'post', '/v1/keys', { team: 'team-b', role: 'viewer', name: NUL }, 'admin', 'name'],
  [
    'a lone surrogate in a tag value',
    'post',
    '/v1/jobs',
    { ...valid, tags: { owner: LONE } },
    'submitter',
    'tags.owner',
  ],
  [
    'a lone surrogate in a model param',
    'post',
    '/v1/jobs',
    withModelParam(LONE),
    'submitter',
    'spec.model.params.solver',
  ],
  [
    'a lone surrogate in a key name',
    'post',
    '/v1/keys',
    { team: 'team-b', role: 'viewer', name: LONE },
    'admin',
    'name',
  ],
  [
    'a NUL in a decision reason',
    'post',
    '/v1/models/team-a.churn/versions/1/approve',
    { reason: NUL },
    'approver',
    'reason',
  ],
];

describe('strings Postgres cannot store are a 400 naming the field (real Postgres)', () => {
  let api: TestApi;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi();
    keys.admin = api.adminKey;
    keys.submitter = await api.key('team-a', 'submitter');
    keys.approver = await api.key('team-a', 'approver');
  });

  afterAll(async () => {
    await api.close();
  });

  it.each(cases)('%s', async (_case, method, path, body, role, field) => {
    const call = api
      .http()
      [method](path)
      .set(bearer(keys[role] ?? ''));
    const res = await (body ? call.send(body) : call);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    expect(res.body.details).toEqual([{ path: field, message: expect.any(String) }]);
    expect(res.body.message).toContain(field);
  });

  it('stores and returns text beyond ASCII exactly: accents, CJK, emoji (surrogate pairs)', async () => {
    const tags = { owner: 'José 東京 😀', note: 'tab\there' };
    const job = await api.submit(keys.submitter ?? '', { ...submission(), tags });
    const res = await api
      .http()
      .get(`/v1/jobs/${job.id}`)
      .set(bearer(keys.submitter ?? ''))
      .expect(200);
    expect(res.body.tags).toEqual(tags);
  });

  it('reads a query that is not UTF-8 as replacement characters, not as a failure', async () => {
    const res = await api
      .http()
      .get('/v1/jobs?pipeline=%ED%A0%80')
      .set(bearer(keys.submitter ?? ''));
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });
});
