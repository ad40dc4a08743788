import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pipeline, TriggerPage } from '@ct/shared';
import { type FreshDatabase, freshDatabase, waitFor } from '@ct/test-support';
import pg from 'pg';
import { NewDataPoller } from '../src/pipelines/new-data-poller.js';
import { bearer, startTestApi, type TestApi } from './harness.js';

/** A regression on the rows of a source table, counted by its `at` column. */
const sourceSpec = (pipeline: string, query = 'SELECT x, y, at FROM visits') => ({
  pipeline,
  task: 'regression',
  data: { source: 'postgres', query, target: 'y', time_column: 'at' },
  model: { estimator: 'sklearn.linear_model.Ridge', params: {} },
});

describe('new-data triggers that poll their Postgres source (real Postgres as the source)', () => {
  let source: FreshDatabase;
  let db: pg.Client;
  let api: TestApi;
  let key: string;
  let dataRoot: string;
  const insert = (rows: number, at = 'now()') =>
    db.query(`INSERT INTO visits (x, y, at) SELECT g, g * 2, ${at} FROM generate_series(1, $1) AS g`, [rows]);

  beforeAll(async () => {
    source = await freshDatabase();
    db = new pg.Client({ connectionString: source.url });
    await db.connect();
    await db.query('CREATE TABLE visits (x double precision, y double precision, at timestamptz NOT NULL)');
    dataRoot = await mkdtemp(join(tmpdir(), 'ct-poll-data-'));
    api = await startTestApi({ config: { sourceDatabaseUrl: source.url, dataRoot } });
    key = await api.key('growth', 'submitter');
  });

  afterAll(async () => {
    await api?.close();
    await db?.end();
    await source?.drop();
    await rm(dataRoot, { recursive: true, force: true });
  });

  it('counts the rows newer than the previous count, records them as arrivals and fires once the threshold is reached', async () => {
    await insert(3, "now() - interval '1 day'");
    const created = await api
      .http()
      .post('/v1/pipelines')
      .set(bearer(key))
      .send({ spec: sourceSpec('visits-model'), triggers: { newData: { minNewRows: 5, pollSeconds: 10 } } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const view = async () => (await api.http().get(`/v1/pipelines/${id}`).set(bearer(key))).body as Pipeline;

    // The first poll comes at once and counts every row there is: 3 of 5, nothing starts.
    const first = await waitFor(
      'the first poll',
      async () => ((await view()).newData?.polledUntil ? await view() : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    expect(first.newData).toMatchObject({
      rowsSinceLastRun: 3,
      minNewRows: 5,
      pollSeconds: 10,
      pollError: null,
    });
    expect(first.lastRun).toBeNull();

    await insert(4);
    const poller = api.app.get(NewDataPoller);
    await poller.look(new Date(Date.parse(String(first.newData?.polledUntil)) + 10_500));
    const fired = await view();
    expect(fired.lastRun).toMatchObject({ state: 'queued', trigger: 'new_data' });
    const triggers = (await api.http().get(`/v1/pipelines/${id}/triggers`).set(bearer(key)))
      .body as TriggerPage;
    expect(triggers.items).toHaveLength(1);
    expect(triggers.items[0]).toMatchObject({
      kind: 'new_data',
      outcome: 'started',
      figures: { source: 'poll:postgres', polledRows: 4, rowsSinceLastRun: 7, minNewRows: 5 },
    });
    // The run reads the source up to its high-water mark.
    const job = (await api.http().get(`/v1/jobs/${fired.lastRun?.jobId}`).set(bearer(key))).body;
    expect(job.spec.data.until).toBe(job.dataHighWater);
    expect(fired.newData?.rowsSinceLastRun).toBe(0);
  }, 30_000);

  it('counts the new rows of a csv file under the data root once it changes', async () => {
    const file = join(dataRoot, 'orders.csv');
    const rows = (count: number, at: string) =>
      Array.from({ length: count }, (_, i) => `${i},${i * 2},${at}\n`).join('');
    await writeFile(file, `x,y,at\n${rows(2, '2026-01-05 10:00:00')}`);
    const created = await api
      .http()
      .post('/v1/pipelines')
      .set(bearer(key))
      .send({
        spec: {
          pipeline: 'orders-model',
          task: 'regression',
          data: { source: 'csv', path: 'orders.csv', target: 'y', time_column: 'at' },
          model: { estimator: 'sklearn.linear_model.Ridge' },
        },
        triggers: { newData: { minNewRows: 3, pollSeconds: 10 } },
      });
    expect(created.status).toBe(201);
    const view = async () =>
      (await api.http().get(`/v1/pipelines/${created.body.id}`).set(bearer(key))).body as Pipeline;
    const first = await waitFor(
      'the first poll of the file',
      async () => ((await view()).newData?.polledUntil ? await view() : undefined),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(first.newData).toMatchObject({ rowsSinceLastRun: 2, pollError: null });

    await appendFile(file, rows(2, new Date().toISOString()));
    await api.app.get(NewDataPoller).look(new Date(Date.parse(String(first.newData?.polledUntil)) + 10_500));
    const triggers = (await api.http().get(`/v1/pipelines/${created.body.id}/triggers`).set(bearer(key)))
      .body as TriggerPage;
    expect(triggers.items[0]).toMatchObject({
      kind: 'new_data',
      outcome: 'started',
      figures: { source: 'poll:csv', polledRows: 2, rowsSinceLastRun: 4, minNewRows: 3 },
    });
  });

  it('shows why a poll failed, and refuses polling on a source it cannot count', async () => {
    const created = await api
      .http()
      .post('/v1/pipelines')
      .set(bearer(key))
      .send({
        spec: sourceSpec('missing-table', 'SELECT x, y, at FROM no_such_table'),
        triggers: { newData: { minNewRows: 5, pollSeconds: 10 } },
      });
    expect(created.status).toBe(201);
    const failed = await waitFor(
      'the poll error',
      async () => {
        const body = (await api.http().get(`/v1/pipelines/${created.body.id}`).set(bearer(key)))
          .body as Pipeline;
        return body.newData?.pollError ? body : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(failed.newData?.pollError).toMatch(/no_such_table/);

    const sklearn = await api
      .http()
      .post('/v1/pipelines')
      .set(bearer(key))
      .send({
        spec: {
          pipeline: 'not-countable',
          task: 'regression',
          data: { source: 'sklearn', name: 'diabetes' },
          model: { estimator: 'sklearn.linear_model.Ridge' },
        },
        triggers: { newData: { minNewRows: 5, pollSeconds: 10 } },
      });
    expect(sklearn.status).toBe(400);
    expect(sklearn.body.details).toEqual([
      {
        path: 'triggers.newData.pollSeconds',
        message: expect.stringContaining('postgres or csv source with a time_column'),
      },
    ]);
    expect((await api.http().get('/v1/pipelines/not-countable').set(bearer(key))).status).toBe(404);
  });
});
