import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  API_ROUTES,
  apiKeyListSchema,
  CtApiError,
  type CtClient,
  CtNetworkError,
  createCtClient,
  createdApiKeySchema,
  type JobEvent,
  jobLogsSchema,
  jobPageSchema,
  jobSchema,
  livenessSchema,
  readinessSchema,
} from '@ct/shared';
import { projectHash, writeProjectArchive } from '@ct/shared/project-archive';
import { freePort } from '@ct/test-support';
import { startTestApi, submission, type TestApi } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';
import { insertPredictions } from './scoring-fixtures.js';

/** The typed client, recording which of its route methods the tests called. */
function tracked(client: CtClient, called: Set<string>): CtClient {
  return new Proxy(client, {
    get(target, name, receiver) {
      if (typeof name === 'string' && name in API_ROUTES) called.add(name);
      if (name === 'call')
        return (route: string, ...args: unknown[]) => {
          called.add(route);
          return (target.call as (...callArgs: unknown[]) => unknown)(route, ...args);
        };
      return Reflect.get(target, name, receiver);
    },
  });
}

async function apiErrorOf(promise: Promise<unknown>): Promise<CtApiError> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  if (!(error instanceof CtApiError)) throw error;
  return error;
}

describe('the typed client against a running API (real Redis and Postgres)', () => {
  let api: TestApi;
  let baseUrl: string;
  const called = new Set<string>();
  let admin: CtClient;
  const client = (apiKey?: string) =>
    tracked(createCtClient({ baseUrl, validateResponses: true, ...(apiKey ? { apiKey } : {}) }), called);

  beforeAll(async () => {
    api = await startTestApi();
    await api.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    admin = client(api.adminKey);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('has a method for every route of the contract', () => {
    const sut = createCtClient({ baseUrl: 'http://unused' }) as unknown as Record<string, unknown>;
    expect(Object.keys(API_ROUTES).filter((name) => typeof sut[name] !== 'function')).toEqual([]);
  });

  it('reads health without a key', async () => {
    const anonymous = client();
    expect(livenessSchema.parse(await anonymous.live())).toMatchObject({ status: 'live' });
    expect(readinessSchema.parse(await anonymous.ready()).checks.postgres.status).toBe('up');
    expect(await anonymous.metrics()).toMatch(/^# TYPE ct_http_request_duration_seconds histogram$/m);
  });

  it('creates, lists and revokes keys; a revoked key is refused as unauthenticated', async () => {
    const created = createdApiKeySchema.parse(
      await admin.createKey({ body: { team: 'team-c', role: 'viewer', name: 'client test' } }),
    );
    const { items } = apiKeyListSchema.parse(await admin.listKeys());
    expect(items.map((key) => key.id)).toContain(created.id);
    await expect(admin.revokeKey({ params: { id: created.id } })).resolves.toBeUndefined();
    const refused = await apiErrorOf(client(created.key).listJobs());
    expect(refused).toMatchObject({ status: 401, code: 'unauthenticated', route: 'GET /v1/jobs' });
  });

  it('submits (201, then 200 for the same idempotency key), lists, gets and reads logs', async () => {
    const body = submission({ idempotencyKey: `client-${Date.now()}` });
    const first = await admin.call('submitJob', { body });
    const again = await admin.call('submitJob', { body });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    const job = jobSchema.parse(await admin.getJob({ params: { id: first.body.id } }));
    expect(job).toMatchObject({ state: 'queued', priority: 100, maxAttempts: 3 });
    const page = jobPageSchema.parse(await admin.listJobs({ query: { state: 'queued', limit: 5 } }));
    expect(page.items.map((item) => item.id)).toContain(job.id);
    expect(
      jobLogsSchema.parse(await admin.jobLogs({ params: { id: job.id }, query: { tail: 100 } })),
    ).toMatchObject({
      text: '',
    });
  });

  it('follows the events of a job until it ends, cancels it and retries it', async () => {
    const job = await admin.submitJob({ body: submission() });
    const events: { id: string | undefined; data: JobEvent }[] = [];
    const signal = AbortSignal.timeout(20_000);
    for await (const event of admin.jobEvents({ params: { id: job.id } }, { signal })) {
      events.push(event);
      if (events.length === 1)
        expect(await admin.call('cancelJob', { params: { id: job.id } })).toMatchObject({
          status: 200,
          body: { state: 'cancelled' },
        });
    }
    expect(signal.aborted).toBe(false);
    expect(events.map((event) => event.data.type === 'state' && event.data.state)).toEqual([
      'queued',
      'cancelled',
    ]);
    expect(events.every((event) => /^\d+$/.test(event.id ?? ''))).toBe(true);

    const again = await apiErrorOf(admin.cancelJob({ params: { id: job.id } }));
    expect(again).toMatchObject({ status: 409, code: 'illegal_transition', details: { state: 'cancelled' } });
    await expect(admin.retryJob({ params: { id: job.id } })).resolves.toMatchObject({ state: 'queued' });
  });

  it('resumes events after a given id', async () => {
    const job = await admin.submitJob({ body: submission() });
    await admin.cancelJob({ params: { id: job.id } });
    const all = [];
    for await (const event of admin.jobEvents({ params: { id: job.id } })) all.push(event);
    expect(all.length).toBeGreaterThan(1);
    const rest = [];
    for await (const event of admin.jobEvents({ params: { id: job.id } }, { lastEventId: all[0]?.id }))
      rest.push(event);
    expect(rest.map((event) => event.id)).toEqual(all.slice(1).map((event) => event.id));
  });

  it('throws typed errors: not found, bad input, forbidden', async () => {
    const missing = await apiErrorOf(
      admin.getJob({ params: { id: '00000000-0000-4000-8000-000000000000' } }),
    );
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const bad = await apiErrorOf(admin.getJob({ params: { id: 'not-a-uuid' } }));
    expect(bad).toMatchObject({
      status: 400,
      code: 'validation_failed',
      details: [{ path: 'id', message: expect.any(String) }],
    });
    const notJob = await apiErrorOf(
      admin
        .jobEvents({ params: { id: '00000000-0000-4000-8000-000000000000' } })
        [Symbol.asyncIterator]()
        .next(),
    );
    expect(notJob).toMatchObject({ status: 404, code: 'not_found' });
    const viewer = client(await api.key('team-c', 'viewer'));
    expect(await apiErrorOf(viewer.submitJob({ body: submission() }))).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect(
      await apiErrorOf(viewer.retryJob({ params: { id: '00000000-0000-4000-8000-000000000000' } })),
    ).toMatchObject({ status: 403 });
  });

  it('answers the models routes with a typed error for a model that does not exist', async () => {
    const name = 'admin.no-such-model';
    // 503 if MLflow does not answer; the code says which.
    const expectNoModel = (error: CtApiError) =>
      expect([
        [404, 'not_found'],
        [503, 'dependency_unavailable'],
      ]).toContainEqual([error.status, error.code]);
    expectNoModel(await apiErrorOf(admin.getModel({ params: { name } })));
    for (const decide of [admin.approveModelVersion, admin.rejectModelVersion, admin.promoteModelVersion])
      expectNoModel(
        await apiErrorOf(decide({ params: { name, version: '1' }, body: { reason: 'client test' } })),
      );
  });

  it('calls the queue monitoring routes, their answers valid against the shared schemas', async () => {
    const job = await admin.submitJob({ body: submission() });
    const name = 'ct-training';
    expect((await admin.listQueues()).items[0]).toMatchObject({ name, paused: false });
    const page = await admin.listQueueJobs({ params: { name }, query: { state: 'prioritized' } });
    expect(page.items.map((item) => item.id)).toContain(job.id);
    expect(await admin.pauseQueue({ params: { name } })).toEqual({ name, paused: true });
    expect(await admin.jobPosition({ params: { id: job.id } })).toMatchObject({ reason: 'queue_paused' });
    expect(await admin.resumeQueue({ params: { name } })).toEqual({ name, paused: false });
    expect(await admin.retryFailedJobs({ params: { name }, body: { limit: 10 } })).toEqual({
      retried: [],
      skipped: [],
    });
    expect(await admin.cleanQueue({ params: { name }, body: { minAgeSeconds: 3600 } })).toEqual({
      removed: { completed: 0, failed: 0 },
    });
    expect(await admin.listWorkers()).toEqual({ items: [] });
  });

  it('calls the pipeline routes, their answers valid against the shared schemas', async () => {
    const spec = { ...submission().spec, pipeline: 'client-pipeline' };
    const created = await admin.createPipeline({
      body: {
        spec,
        schedule: { cron: '0 4 * * *', timezone: 'UTC' },
        triggers: { newData: { minNewRows: 10 } },
      },
    });
    expect(created).toMatchObject({ name: 'client-pipeline', latestVersion: { version: 1 } });
    const params = { id: created.name };
    expect((await admin.listPipelines({ query: { limit: 10 } })).items.map((p) => p.id)).toContain(
      created.id,
    );
    expect(await admin.getPipeline({ params: { id: created.id } })).toMatchObject({
      nextRunAt: expect.any(String),
    });
    expect(await admin.updatePipeline({ params, body: { promotion: { policy: 'manual' } } })).toMatchObject({
      latestVersion: { version: 2 },
      promotion: { policy: 'manual' },
    });
    expect((await admin.listPipelineVersions({ params })).items.map((v) => v.version)).toEqual([2, 1]);
    const arrival = await admin.recordDataArrival({ params, body: { rows: 12 } });
    expect(arrival.trigger).toMatchObject({ kind: 'new_data', outcome: 'started' });
    const manual = await admin.startPipelineRun({ params });
    expect(manual).toMatchObject({
      job: { pipelineId: created.id, trigger: 'manual' },
      trigger: { outcome: 'started' },
    });
    const records = await admin.listPipelineTriggers({ params, query: { limit: 10 } });
    expect(records.items.map((r) => r.kind)).toEqual(['manual', 'new_data']);
    expect(await admin.disablePipeline({ params })).toMatchObject({ enabled: false, nextRunAt: null });
    expect(await apiErrorOf(admin.startPipelineRun({ params }))).toMatchObject({
      status: 409,
      code: 'conflict',
    });
    expect(await admin.enablePipeline({ params })).toMatchObject({ enabled: true });
    await admin.deletePipeline({ params });
    expect(await apiErrorOf(admin.getPipeline({ params }))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('calls the scoring routes, their answers valid against the shared schemas', async () => {
    const name = `client-scored-${randomUUID().slice(0, 8)}`;
    const registry = new RegistryFixture(api.config.mlflowTrackingUri);
    const created = await admin.createPipeline({ body: { spec: { ...submission().spec, pipeline: name } } });
    const params = { id: created.id };
    try {
      expect(await apiErrorOf(admin.submitScores({ params, body: {} }))).toMatchObject({
        status: 409,
        code: 'conflict',
      });
      await registry.model(`admin.${name}`, [{}]);
      await registry.alias(`admin.${name}`, 'champion', '1');
      const scored = await admin.call('submitScores', { params, body: { rows: [{ id: 'r1', age: 0.1 }] } });
      expect(scored).toMatchObject({ status: 202, body: { job: { kind: 'score', state: 'queued' } } });
      const monitored = await admin.submitMonitor({ params, body: { windowSeconds: 3600 } });
      expect(monitored.job).toMatchObject({ kind: 'monitor', task: { kind: 'monitor', model: 'champion' } });
      await insertPredictions(api, created, [{ rowKey: 'r1', prediction: 1.5, jobId: scored.body.job.id }]);
      const label = await admin.recordGroundTruth({
        params,
        body: { items: [{ rowKey: 'r1', outcome: 2 }] },
      });
      expect(label).toEqual({ attached: 1, unchanged: 0, unknownKeys: [], inserted: 0 });
      const page = await admin.listPredictions({ params, query: { labelled: 'true', limit: 10 } });
      expect(page.items.map((p) => [p.rowKey, p.prediction, p.outcome])).toEqual([['r1', 1.5, 2]]);
      expect(await admin.getPerformance({ params, query: { limit: 5 } })).toEqual({ items: [] });
    } finally {
      await registry.delete(`admin.${name}`);
    }
  });

  it('calls the project routes: an upload sends the archive as it is', async () => {
    const name = `client-project-${randomUUID().slice(0, 8)}`;
    const files = [
      { path: 'train_model.py', executable: false, data: Buffer.from('def train(x, y, p): ...\n') },
    ];
    const uploaded = await admin.call('uploadProject', {
      params: { name },
      body: writeProjectArchive(files),
    });
    expect(uploaded).toMatchObject({ status: 201, body: { name, hash: projectHash(files), fileCount: 1 } });
    expect((await admin.listProjects()).items.map((p) => p.name)).toContain(name);
    expect((await admin.getProject({ params: { name } })).versions).toEqual([uploaded.body]);
  });

  it('throws CtNetworkError when nothing listens', async () => {
    const nowhere = createCtClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(nowhere.live()).rejects.toBeInstanceOf(CtNetworkError);
  });

  it('called every route of the contract (a new route needs a call in this file)', () => {
    expect(Object.keys(API_ROUTES).filter((name) => !called.has(name))).toEqual([]);
  });
});
