import { type FreshDatabase, freshDatabase } from '@ct/test-support';
import pg from 'pg';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

/**
 * Team and pipeline names without `.` (it separates them in the registered model `<team>.<pipeline>`), and
 * what becomes of the rows written before that rule (migration RegisteredModelNames1765000000000).
 */
describe('names that cannot collide in the model registry (real Postgres)', () => {
  let db: FreshDatabase;
  let api: TestApi;
  let sql: pg.Client;

  /** Writes as a version before the migration could: with its triggers off, in one transaction. */
  async function asBeforeTheMigration(statement: string, params: unknown[]): Promise<void> {
    await sql.query('BEGIN');
    try {
      await sql.query('ALTER TABLE api_keys DISABLE TRIGGER api_keys_team_no_dot');
      await sql.query('ALTER TABLE jobs DISABLE TRIGGER jobs_names_no_dot');
      await sql.query(statement, params);
      await sql.query('ALTER TABLE api_keys ENABLE TRIGGER api_keys_team_no_dot');
      await sql.query('ALTER TABLE jobs ENABLE TRIGGER jobs_names_no_dot');
      await sql.query('COMMIT');
    } catch (error) {
      await sql.query('ROLLBACK');
      throw error;
    }
  }

  beforeAll(async () => {
    db = await freshDatabase();
    api = await startTestApi({ db });
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql.end();
    await api.close();
    await db.drop();
  });

  it('refuses a new team or pipeline with a ".", naming the field', async () => {
    const key = await api
      .http()
      .post('/v1/keys')
      .set(bearer(api.adminKey))
      .send({ team: 'acme.ml', role: 'submitter', name: 'k' })
      .expect(400);
    expect(key.body.details).toEqual([{ path: 'team', message: expect.stringContaining('no ".":') }]);
    const submitter = await api.key('acme', 'submitter');
    const job = await api
      .http()
      .post('/v1/jobs')
      .set(bearer(submitter))
      .send(submission({}, 'ml.churn'))
      .expect(400);
    expect(job.body.details).toEqual([
      { path: 'spec.pipeline', message: expect.stringContaining('no ".":') },
    ]);
  });

  it('refuses in the database too: a new row, or a name changed to one with a "."', async () => {
    const insert = sql.query(
      "INSERT INTO api_keys (team, role, name, key_hash, prefix) VALUES ('acme.ml', 'viewer', 'k', 'h', 'p')",
    );
    await expect(insert).rejects.toMatchObject({ code: '23514', constraint: 'api_keys_team_no_dot' });
    const { id } = await api.submit(await api.key('acme', 'submitter'));
    const rename = sql.query("UPDATE jobs SET pipeline = 'ml.churn' WHERE id = $1", [id]);
    await expect(rename).rejects.toMatchObject({ code: '23514', constraint: 'jobs_pipeline_no_dot' });
  });

  it('refuses to act for a key of an old team with a "." (403), which an admin can still list and revoke', async () => {
    const oldKey = await api.key('acme-ml', 'submitter');
    await asBeforeTheMigration("UPDATE api_keys SET team = 'acme.ml' WHERE team = 'acme-ml'", []);

    const refused = await api.http().get('/v1/jobs').set(bearer(oldKey)).expect(403);
    expect(refused.body).toEqual({ code: 'forbidden', message: expect.stringContaining('"acme.ml"') });
    await api.http().post('/v1/jobs').set(bearer(oldKey)).send(submission()).expect(403);

    const listed = await api.http().get('/v1/keys').set(bearer(api.adminKey)).expect(200);
    const row = listed.body.items.find((item: { team: string }) => item.team === 'acme.ml');
    expect(row).toMatchObject({ team: 'acme.ml', revokedAt: null, lastUsedAt: expect.any(String) });
    await api.http().delete(`/v1/keys/${row.id}`).set(bearer(api.adminKey)).expect(204);
    await api.http().get('/v1/jobs').set(bearer(oldKey)).expect(401);
  });

  it('keeps an old job of a pipeline with a "." readable, listable and cancellable', async () => {
    const key = await api.key('legacy', 'submitter');
    const { id } = await api.submit(key, submission({}, 'ml-churn'));
    await asBeforeTheMigration(
      "UPDATE jobs SET pipeline = 'ml.churn', spec = jsonb_set(spec, '{pipeline}', '\"ml.churn\"') WHERE id = $1",
      [id],
    );

    const job = await api.http().get(`/v1/jobs/${id}`).set(bearer(key)).expect(200);
    expect(job.body).toMatchObject({ pipeline: 'ml.churn', spec: { pipeline: 'ml.churn' } });
    const page = await api.http().get('/v1/jobs?pipeline=ml.churn').set(bearer(key)).expect(200);
    expect(page.body.items.map((item: { id: string }) => item.id)).toEqual([id]);
    const cancelled = await api.http().post(`/v1/jobs/${id}/cancel`).set(bearer(key)).expect(200);
    expect(cancelled.body.state).toBe('cancelled');
  });
});
