import { randomUUID } from 'node:crypto';
import { EventStore } from '@ct/db';
import { type Job, jobSchema, QueueName, queuedJobSchema, SCORING_LIMITS } from '@ct/shared';
import { freePort } from '@ct/test-support';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';
import { createPipeline, pipelineBody } from './pipeline-fixtures.js';
import { withQueue } from './scoring-fixtures.js';

const HOUR = 3_600;
const DAY = 86_400;

/** The job of a 202 answer, checked against the shared schema, with its Location. */
function queued(res: { status: number; body: unknown; headers: Record<string, string> }): Job {
  expect(res.status).toBe(202);
  const { job } = queuedJobSchema.parse(res.body);
  expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
  return job;
}

describe('score and monitor jobs of a registered pipeline (real Postgres, Redis and MLflow registry)', () => {
  let api: TestApi;
  let registry: RegistryFixture;
  let key: string;
  // Registered model names live on in the test MLflow: each run names its pipelines afresh.
  const suffix = randomUUID().slice(0, 8);
  const name = `scored-${suffix}`;
  const bare = `unscored-${suffix}`;
  let pipeline: { id: string; name: string; team: string };

  const post = (path: string, body?: object, as = key) => {
    const req = api.http().post(path).set(bearer(as));
    return body === undefined ? req : req.send(body);
  };

  beforeAll(async () => {
    api = await startTestApi();
    registry = new RegistryFixture(api.config.mlflowTrackingUri);
    key = await api.key('team-a', 'submitter');
    pipeline = await createPipeline(
      api,
      key,
      pipelineBody(name, { monitoring: { schedule: null, windowSeconds: HOUR } }),
    );
    await createPipeline(api, key, pipelineBody(bare));
    await registry.model(`team-a.${name}`, [{}, {}]);
    await registry.alias(`team-a.${name}`, 'champion', '2');
  });

  afterAll(async () => {
    await registry?.delete(`team-a.${name}`);
    await api?.close();
  });

  it("queues a score job of the pipeline's champion in ct-scoring: kind, task, spec, version, trigger", async () => {
    const res = await post(`/v1/pipelines/${name}/scores`, {});
    const job = queued(res);
    expect(job).toMatchObject({
      kind: 'score',
      state: 'queued',
      trigger: 'manual',
      team: 'team-a',
      pipeline: name,
      pipelineId: pipeline.id,
      pipelineVersion: 1,
      triggerId: null,
      task: {
        kind: 'score',
        model: 'champion',
        source: null,
        since: null,
        until: null,
        rows: null,
        keyColumn: 'id',
        mirrorToIris: false,
      },
      spec: { pipeline: name, data: { source: 'sklearn', name: 'diabetes' } },
    });
    expect(await api.queue.getState(job.id, 'score')).toBe('prioritized');
    expect(await api.queue.getState(job.id, 'train')).toBe('missing');
    const bull = await withQueue(api, QueueName.Scoring, (queue) => queue.getJob(job.id));
    expect(bull).toMatchObject({ name: 'score', data: { jobId: job.id, team: 'team-a' } });
    const read = jobSchema.parse((await api.http().get(`/v1/jobs/${job.id}`).set(bearer(key))).body);
    expect(read).toEqual(job);
    const events = await api.app.get(EventStore).after(job.id);
    expect(events).toEqual([expect.objectContaining({ type: 'state', state: 'queued', jobId: job.id })]);
  });

  it('takes inline rows, another key column, a version number, the IRIS mirror, or a bounded source with a time column', async () => {
    const rows = [
      { id: 'a', age: 0.1, sex: 1 },
      { id: 'b', age: 0.2, sex: null },
    ];
    const inline = queued(
      await post(`/v1/pipelines/${pipeline.id}/scores`, { rows, keyColumn: 'id', model: '1' }),
    );
    expect(inline.task).toMatchObject({ kind: 'score', model: '1', rows, source: null, mirrorToIris: false });
    const mirrored = queued(await post(`/v1/pipelines/${name}/scores`, { rows, mirrorToIris: true }));
    expect(mirrored.task).toMatchObject({ kind: 'score', rows, mirrorToIris: true });

    const source = { source: 'csv', path: 'points.csv', target: 'y', time_column: 'datetime' };
    const since = '2026-01-01T00:00:00.000Z';
    const until = '2026-01-02T00:00:00.000Z';
    const bounded = queued(await post(`/v1/pipelines/${name}/scores`, { source, since, until }));
    expect(bounded.task).toMatchObject({ source, since, until, rows: null });
  });

  it('answers 409 when the registry has no such model: no champion yet, an unknown version or alias', async () => {
    const none = await post(`/v1/pipelines/${bare}/scores`, {}).expect(409);
    expect(none.body).toEqual({
      code: 'conflict',
      message: `pipeline ${bare} has no champion yet (no model version has the alias champion)`,
    });
    const monitor = await post(`/v1/pipelines/${bare}/monitor`).expect(409);
    expect(monitor.body.message).toContain('has no champion yet');
    expect((await post(`/v1/pipelines/${name}/scores`, { model: '9' }).expect(409)).body.message).toBe(
      `pipeline ${name} has no model version 9 (team-a.${name})`,
    );
    expect((await post(`/v1/pipelines/${name}/monitor`, { model: 'staging' }).expect(409)).body.message).toBe(
      `pipeline ${name} has no model version with the alias staging`,
    );
    const jobs = await api.http().get(`/v1/jobs?pipeline=${bare}`).set(bearer(key)).expect(200);
    expect(jobs.body.items).toEqual([]);
  });

  it.each<[string, object, string]>([
    ['rows and a source', { rows: [{ x: 1 }], source: { source: 'sklearn', name: 'diabetes' } }, 'rows'],
    ['rows and a time bound', { rows: [{ x: 1 }], since: '2026-01-01T00:00:00Z' }, 'rows'],
    [
      'more rows than the limit',
      { rows: Array.from({ length: SCORING_LIMITS.maxInlineRows + 1 }, (_, i) => ({ id: i, x: 1 })) },
      'rows',
    ],
    ['no rows', { rows: [] }, 'rows'],
    ['a row of the wrong type', { rows: [{ x: [1, 2] }] }, 'rows.0.x'],
    ['a model that is neither alias nor version', { model: 'Champion!' }, 'model'],
    ['since after until', { since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, 'since'],
    ['a time bound on a source without a time column', { since: '2026-01-01T00:00:00Z' }, 'since'],
    ['an unknown field', { rowz: [] }, 'rowz'],
    ['a mirror flag that is not a boolean', { mirrorToIris: 'yes' }, 'mirrorToIris'],
  ])('refuses a score request with %s (400)', async (_case, body, path) => {
    const res = await post(`/v1/pipelines/${name}/scores`, body).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details.map((issue: { path: string }) => issue.path)).toContain(path);
  });

  it.each<[string, object, string]>([
    ['a window under a minute', { windowSeconds: 10 }, 'windowSeconds'],
    ['a window over 90 days', { windowSeconds: 91 * DAY }, 'windowSeconds'],
    ['a window of the wrong type', { windowSeconds: '3600' }, 'windowSeconds'],
    ['an unknown field', { window: 3600 }, 'window'],
  ])('refuses a monitor request with %s (400)', async (_case, body, path) => {
    const res = await post(`/v1/pipelines/${name}/monitor`, body).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details.map((issue: { path: string }) => issue.path)).toContain(path);
  });

  it("queues a monitor job over the pipeline's window ending now, or the request's", async () => {
    const before = Date.now();
    const job = queued(await post(`/v1/pipelines/${name}/monitor`));
    const after = Date.now();
    expect(job).toMatchObject({
      kind: 'monitor',
      trigger: 'manual',
      pipelineId: pipeline.id,
      pipelineVersion: 1,
    });
    const task = job.task as { kind: string; model: string; windowStart: string; windowEnd: string };
    expect(task).toMatchObject({ kind: 'monitor', model: 'champion' });
    const end = Date.parse(task.windowEnd);
    expect(end).toBeGreaterThanOrEqual(before);
    expect(end).toBeLessThanOrEqual(after);
    expect(end - Date.parse(task.windowStart)).toBe(HOUR * 1000);
    expect(await api.queue.getState(job.id, 'monitor')).toBe('prioritized');
    expect(await withQueue(api, QueueName.Scoring, (queue) => queue.getJob(job.id))).toMatchObject({
      name: 'monitor',
    });

    const own = queued(
      await post(`/v1/pipelines/${pipeline.id}/monitor`, { windowSeconds: 600, model: '2' }),
    );
    const ownTask = own.task as { windowStart: string; windowEnd: string; model: string };
    expect(ownTask.model).toBe('2');
    expect(Date.parse(ownTask.windowEnd) - Date.parse(ownTask.windowStart)).toBe(600_000);
  });

  it('cancels, retries and places a score job in ct-scoring like any job', async () => {
    const job = queued(await post(`/v1/pipelines/${name}/scores`, {}));
    // Last in line of ct-scoring (the same priority as those before it), whatever ct-training holds.
    const waiting = await withQueue(api, QueueName.Scoring, (queue) => queue.getPrioritizedCount());
    await post(`/v1/pipelines/${name}/runs`).expect(201);
    const position = await api.http().get(`/v1/jobs/${job.id}/position`).set(bearer(key)).expect(200);
    expect(position.body).toMatchObject({
      queueState: 'prioritized',
      reason: 'no_live_worker',
      position: waiting,
    });
    const cancelled = await post(`/v1/jobs/${job.id}/cancel`).expect(200);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', kind: 'score' });
    expect(await api.queue.getState(job.id, 'score')).toBe('missing');
    const retried = await post(`/v1/jobs/${job.id}/retry`).expect(202);
    expect(retried.body).toMatchObject({ state: 'queued', kind: 'score' });
    expect(await api.queue.getState(job.id, 'score')).toBe('prioritized');
    await post(`/v1/jobs/${job.id}/cancel`).expect(200);
  });

  it('shows the kind and task of every job in the job list; training jobs are kind train with no task', async () => {
    const { items } = (await api.http().get(`/v1/jobs?pipeline=${name}&limit=200`).set(bearer(key))).body as {
      items: Job[];
    };
    expect(new Set(items.map((job) => job.kind))).toEqual(new Set(['score', 'monitor', 'train']));
    const run = await post(`/v1/pipelines/${name}/runs`).expect(201);
    expect(run.body.job).toMatchObject({ kind: 'train', task: null });
    // The pipeline's last run stays its latest training job.
    const shown = await api.http().get(`/v1/pipelines/${name}`).set(bearer(key)).expect(200);
    expect(shown.body.lastRun).toMatchObject({ jobId: run.body.job.id });
    expect(shown.body.monitoring).toEqual({ schedule: null, windowSeconds: HOUR });
  });
});

describe('the team quota covers score and monitor jobs (real Postgres, Redis and MLflow registry)', () => {
  let api: TestApi;
  let registry: RegistryFixture;
  const name = `quota-scored-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    api = await startTestApi({ config: { teamQuota: { maxRunning: 1, maxQueued: 0 } } });
    registry = new RegistryFixture(api.config.mlflowTrackingUri);
    await registry.model(`team-q.${name}`, [{}]);
    await registry.alias(`team-q.${name}`, 'champion', '1');
  });

  afterAll(async () => {
    await registry?.delete(`team-q.${name}`);
    await api?.close();
  });

  it('answers 429 past the quota, for scores and monitoring alike', async () => {
    const key = await api.key('team-q', 'submitter');
    await createPipeline(api, key, pipelineBody(name));
    const first = await api.http().post(`/v1/pipelines/${name}/scores`).set(bearer(key)).send({}).expect(202);
    for (const path of ['scores', 'monitor']) {
      const res = await api
        .http()
        .post(`/v1/pipelines/${name}/${path}`)
        .set(bearer(key))
        .send({})
        .expect(429);
      expect(res.body).toMatchObject({ code: 'rate_limited', details: { running: 0, queued: 1, limit: 1 } });
    }
    await api.finish(first.body.job.id, 'cancelled');
    await api.http().post(`/v1/pipelines/${name}/monitor`).set(bearer(key)).send({}).expect(202);
  });
});

describe('score and monitor requests while MLflow does not answer (real Postgres and Redis)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ config: { mlflowTrackingUri: `http://127.0.0.1:${await freePort()}` } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('answers 503 dependency_unavailable and queues nothing', async () => {
    const key = await api.key('team-a', 'submitter');
    await createPipeline(api, key, pipelineBody('no-registry'));
    for (const path of ['scores', 'monitor']) {
      const res = await api.http().post(`/v1/pipelines/no-registry/${path}`).set(bearer(key)).send({});
      expect([res.status, res.body.code]).toEqual([503, 'dependency_unavailable']);
    }
    const jobs = await api.http().get('/v1/jobs?pipeline=no-registry').set(bearer(key)).expect(200);
    expect(jobs.body.items).toEqual([]);
  });
});
