import { apiKeySchema, createdApiKeySchema } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { KEY_CACHE_TTL_MS } from '../src/auth/api-key-cache.js';
import { bearer, startTestApi, type TestApi } from './harness.js';

describe('authentication and API keys (real Postgres)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(async () => {
    await api.close();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a key that was never issued', 'Bearer ct_notakey'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a Bearer header without a key', 'Bearer'],
  ])('answers 401 unauthenticated for %s', async (_case, header) => {
    const req = api.http().get('/v1/jobs');
    if (header) req.set('Authorization', header);
    const res = await req.expect(401);
    expect(res.body).toEqual({ code: 'unauthenticated', message: expect.any(String) });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('keeps the health endpoints open', async () => {
    await api.http().get('/health/live').expect(200);
  });

  it('lets an admin create a key that works, shows it once, lists it without secrets, and revokes it', async () => {
    const created = await api
      .http()
      .post('/v1/keys')
      .set(bearer(api.adminKey))
      .send({ team: 'team-a', role: 'viewer', name: 'dashboard' })
      .expect(201);
    const key = createdApiKeySchema.parse(created.body);
    expect(key.key).toMatch(/^ct_[A-Za-z0-9_-]{43}$/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect(key).toMatchObject({ team: 'team-a', role: 'viewer', name: 'dashboard', revokedAt: null });

    await api.http().get('/v1/jobs').set(bearer(key.key)).expect(200);

    const listed = await api.http().get('/v1/keys').set(bearer(api.adminKey)).expect(200);
    const mine = listed.body.items.find((item: { id: string }) => item.id === key.id);
    expect(apiKeySchema.strict().parse(mine)).toMatchObject({
      prefix: key.prefix,
      lastUsedAt: expect.any(String),
    });
    expect(JSON.stringify(listed.body)).not.toContain(key.key);

    await api.http().delete(`/v1/keys/${key.id}`).set(bearer(api.adminKey)).expect(204);
    const refused = await api.http().get('/v1/jobs').set(bearer(key.key)).expect(401);
    expect(refused.body.code).toBe('unauthenticated');
    await api.http().delete(`/v1/keys/${key.id}`).set(bearer(api.adminKey)).expect(204);
  });

  it('answers 403 forbidden to a role that is too weak', async () => {
    const viewer = await api.key('team-a', 'viewer');
    const submitter = await api.key('team-a', 'submitter');
    const submit = await api.http().post('/v1/jobs').set(bearer(viewer)).send({}).expect(403);
    expect(submit.body).toEqual({ code: 'forbidden', message: expect.stringContaining('submitter') });
    await api
      .http()
      .post('/v1/jobs/00000000-0000-4000-8000-000000000000/cancel')
      .set(bearer(viewer))
      .expect(403);
    for (const key of [viewer, submitter]) {
      await api.http().get('/v1/keys').set(bearer(key)).expect(403);
      await api
        .http()
        .post('/v1/keys')
        .set(bearer(key))
        .send({ team: 'x', role: 'admin', name: 'x' })
        .expect(403);
    }
  });

  it('validates new keys and key ids', async () => {
    const bad = await api
      .http()
      .post('/v1/keys')
      .set(bearer(api.adminKey))
      .send({ team: 'Team A', role: 'root', name: '' })
      .expect(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.details.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'name',
      'role',
      'team',
    ]);
    await api.http().delete('/v1/keys/not-an-id').set(bearer(api.adminKey)).expect(400);
    const missing = await api
      .http()
      .delete('/v1/keys/00000000-0000-4000-8000-000000000000')
      .set(bearer(api.adminKey))
      .expect(404);
    expect(missing.body.code).toBe('not_found');
  });

  it('installs the bootstrap admin key once, however often the API starts', async () => {
    const again = await startTestApi({
      db: { url: api.config.databaseUrl, drop: async () => undefined },
      config: { bootstrapAdmin: api.config.bootstrapAdmin, bullmqPrefix: api.config.bullmqPrefix },
    });
    try {
      const listed = await again.http().get('/v1/keys').set(bearer(api.adminKey)).expect(200);
      const bootstrap = listed.body.items.filter(
        (item: { role: string; team: string }) => item.team === 'admin',
      );
      expect(bootstrap).toEqual([
        expect.objectContaining({ role: 'admin', name: expect.stringContaining('bootstrap') }),
      ]);
    } finally {
      await again.app.close();
    }
  });

  it('stops a revoked key at once where it was revoked, and within the key cache time on another instance', async () => {
    const other = await startTestApi({
      db: { url: api.config.databaseUrl, drop: async () => undefined },
      config: { bootstrapAdmin: api.config.bootstrapAdmin, bullmqPrefix: api.config.bullmqPrefix },
    });
    try {
      const created = await api
        .http()
        .post('/v1/keys')
        .set(bearer(api.adminKey))
        .send({ team: 'team-a', role: 'viewer', name: 'cached' })
        .expect(201);
      const key = createdApiKeySchema.parse(created.body);
      // Both instances have checked (and cached) the key.
      await api.http().get('/v1/jobs').set(bearer(key.key)).expect(200);
      await other.http().get('/v1/jobs').set(bearer(key.key)).expect(200);

      await api.http().delete(`/v1/keys/${key.id}`).set(bearer(api.adminKey)).expect(204);
      const revokedAt = Date.now();
      await api.http().get('/v1/jobs').set(bearer(key.key)).expect(401);
      await waitFor(
        'the other instance to refuse the revoked key',
        async () => (await other.http().get('/v1/jobs').set(bearer(key.key))).status === 401,
        { timeoutMs: KEY_CACHE_TTL_MS + 2_000, intervalMs: 100 },
      );
      expect(Date.now() - revokedAt).toBeLessThan(KEY_CACHE_TTL_MS + 2_000);
    } finally {
      await other.app.close();
    }
  });
});
