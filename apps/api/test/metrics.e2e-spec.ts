import { freshDatabase, Scrape } from '@ct/test-support';
import request from 'supertest';
import { startApp, testConfig } from './app.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

describe('GET /metrics (real Redis and Postgres)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(async () => {
    await api?.close();
  });

  async function scrape(): Promise<Scrape> {
    const res = await api.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Scrape(res.text);
  }

  it('answers without a key, with the process metrics under the ct_api_ prefix', async () => {
    const sut = await scrape();
    expect(sut.type('ct_api_process_cpu_user_seconds_total')).toBe('COUNTER');
    expect(sut.type('ct_api_nodejs_heap_size_used_bytes')).toBe('GAUGE');
    expect(sut.type('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('counts a submission by team and pipeline, once for an idempotent resubmission', async () => {
    const key = await api.key('team-metrics', 'submitter');
    const labels = { team: 'team-metrics', pipeline: 'metrics-ridge' };
    const before = (await scrape()).value('ct_jobs_submitted_total', labels);
    const body = submission({ idempotencyKey: 'metrics-once' }, 'metrics-ridge');
    await api.submit(key, body);
    await api.http().post('/v1/jobs').set(bearer(key)).send(body).expect(200);
    const sut = await scrape();
    expect(sut.value('ct_jobs_submitted_total', labels)).toBe(before + 1);
    expect(sut.value('ct_queue_reachable', { queue: 'ct-training' })).toBe(1);
    // A job with a priority waits in BullMQ's `prioritized` list.
    const waiting =
      sut.value('ct_queue_jobs', { queue: 'ct-training', state: 'waiting' }) +
      sut.value('ct_queue_jobs', { queue: 'ct-training', state: 'prioritized' });
    expect(waiting).toBeGreaterThanOrEqual(1);
    expect(sut.samples('ct_workers_live', { queue: 'ct-training' })).toHaveLength(1);
  });

  it('counts trigger firings by kind, outcome and reason', async () => {
    const key = await api.key('team-firings', 'submitter');
    const spec = { ...submission().spec, pipeline: 'firings-ridge' };
    await api.http().post('/v1/pipelines').set(bearer(key)).send({ spec }).expect(201);
    await api.http().post('/v1/pipelines/firings-ridge/runs').set(bearer(key)).send().expect(201);
    await api.http().post('/v1/pipelines/firings-ridge/disable').set(bearer(key)).expect(200);
    await api.http().post('/v1/pipelines/firings-ridge/runs').set(bearer(key)).send().expect(409);
    const sut = await scrape();
    const firings = (outcome: string, reason: string) =>
      sut.value('ct_trigger_firings_total', { team: 'team-firings', kind: 'manual', outcome, reason });
    expect(firings('started', '')).toBe(1);
    expect(firings('suppressed', 'pipeline_disabled')).toBe(1);
  });

  it('times requests by route template and status, never by raw path', async () => {
    const key = await api.key('team-routes', 'submitter');
    const job = await api.submit(key, submission({}, 'routes-ridge'));
    await api.http().get(`/v1/jobs/${job.id}`).set(bearer(key)).expect(200);
    await api.http().get(`/v1/jobs/${job.id}`).expect(401);
    await api.http().get('/no/such/route/42').expect(404);
    const sut = await scrape();
    const http = 'ct_http_request_duration_seconds';
    expect(sut.type(http)).toBe('HISTOGRAM');
    expect(sut.count(http, { method: 'GET', route: '/v1/jobs/:id', status: '200' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(sut.count(http, { method: 'GET', route: '/v1/jobs/:id', status: '401' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(sut.count(http, { method: 'POST', route: '/v1/jobs', status: '201' })).toBeGreaterThanOrEqual(1);
    expect(sut.count(http, { method: 'GET', route: '(unmatched)', status: '404' })).toBeGreaterThanOrEqual(1);
    const routes = sut.samples(`${http}_count`).map((sample) => sample.labels?.route ?? '');
    expect(routes.filter((route) => route.includes(job.id) || route.includes('42'))).toEqual([]);
  });
});

describe('GET /metrics while Redis is unreachable', () => {
  it('still answers, without queue depth and live workers, and with ct_queue_reachable 0', async () => {
    const db = await freshDatabase();
    const app = await startApp(testConfig({ databaseUrl: db.url, redisUrl: 'redis://127.0.0.1:1' }));
    try {
      const res = await request(app.getHttpServer()).get('/metrics');
      expect(res.status).toBe(200);
      const sut = new Scrape(res.text);
      expect(sut.value('ct_queue_reachable', { queue: 'ct-training' })).toBe(0);
      expect(sut.samples('ct_queue_jobs')).toEqual([]);
      expect(sut.samples('ct_workers_live')).toEqual([]);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
