import { jobSchema, pipelineRunSchema, pipelineVersionListSchema } from '@ct/shared';
import { type AuditRecord, memoryAuditLog } from '@ct/shared/audit';
import { AUDIT_LOG } from '../src/audit/audit.module.js';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { createPipeline, getPipeline, pipelineBody, pipelineNames } from './pipeline-fixtures.js';

describe('registered pipelines: create, read, list, change, delete (real Postgres and Redis)', () => {
  const audit = memoryAuditLog('api');
  let api: TestApi;
  let key: string;

  const events = (name: string): AuditRecord[] => audit.events.filter((event) => event.event === name);

  beforeAll(async () => {
    api = await startTestApi({ customize: (builder) => builder.overrideProvider(AUDIT_LOG).useValue(audit) });
    key = await api.key('team-a', 'submitter');
  });

  afterAll(async () => {
    await api.close();
  });

  it('registers a pipeline: 201 with its Location, named after spec.pipeline, version 1, audited', async () => {
    const res = await api
      .http()
      .post('/v1/pipelines')
      .set(bearer(key))
      .send(pipelineBody('churn-ridge'))
      .expect(201);
    expect(res.headers.location).toBe(`/v1/pipelines/${res.body.id}`);
    expect(res.body).toMatchObject({
      team: 'team-a',
      name: 'churn-ridge',
      enabled: true,
      schedule: null,
      triggers: {},
      cooldownSeconds: 0,
      promotion: { policy: 'auto' },
      registeredModel: 'team-a.churn-ridge',
      latestVersion: { version: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      spec: { pipeline: 'churn-ridge', split: { test_size: 0.2, seed: 42 } },
      nextRunAt: null,
      lastRun: null,
      lastTrigger: null,
      newData: null,
    });
    const fetched = await getPipeline(api, key, res.headers.location?.split('/').at(-1) ?? '');
    expect(fetched.name).toBe('churn-ridge');
    expect(events('pipeline.created').at(-1)).toMatchObject({
      level: 0,
      fields: {
        pipelineId: res.body.id,
        team: 'team-a',
        pipeline: 'churn-ridge',
        version: 1,
        hash: res.body.latestVersion.hash,
        actor: expect.any(String),
      },
    });
  });

  it('takes an explicit name only when it is spec.pipeline (400 naming spec.pipeline otherwise)', async () => {
    const named = await createPipeline(api, key, { ...pipelineBody('named-one'), name: 'named-one' });
    expect(named.name).toBe('named-one');
    const mismatch = await api
      .http()
      .post('/v1/pipelines')
      .set(bearer(key))
      .send({ ...pipelineBody('spec-name'), name: 'other-name' })
      .expect(400);
    expect(mismatch.body.code).toBe('validation_failed');
    expect(mismatch.body.details).toEqual([{ path: 'spec.pipeline', message: expect.any(String) }]);
    await api.http().get('/v1/pipelines/other-name').set(bearer(key)).expect(404);
    await api.http().get('/v1/pipelines/spec-name').set(bearer(key)).expect(404);
  });

  it('refuses a name the team already uses with 409; another team may use it', async () => {
    await createPipeline(api, key, pipelineBody('taken'));
    const again = await api
      .http()
      .post('/v1/pipelines')
      .set(bearer(key))
      .send(pipelineBody('taken', { cooldownSeconds: 5 }))
      .expect(409);
    expect(again.body).toEqual({ code: 'conflict', message: expect.stringContaining('taken') });
    expect((await getPipeline(api, key, 'taken')).cooldownSeconds).toBe(0);
    const other = await createPipeline(api, await api.key('team-other', 'submitter'), pipelineBody('taken'));
    expect(other).toMatchObject({ team: 'team-other', registeredModel: 'team-other.taken' });
  });

  it('lists a team’s pipelines by name, a page at a time, with a cursor', async () => {
    const lister = await api.key('team-list', 'submitter');
    const names = ['p-delta', 'p-alpha', 'p-echo', 'p-charlie', 'p-bravo'];
    for (const name of names) await createPipeline(api, lister, pipelineBody(name));
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await api.http().get(`/v1/pipelines?limit=2${query}`).set(bearer(lister)).expect(200);
      pages.push(res.body.items.map((item: { name: string; team: string }) => item.name));
      expect(res.body.items.every((item: { team: string }) => item.team === 'team-list')).toBe(true);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([['p-alpha', 'p-bravo'], ['p-charlie', 'p-delta'], ['p-echo']]);
    expect(await pipelineNames(api, lister)).toEqual([...names].sort());
  });

  it('reads a pipeline by id and by name alike', async () => {
    const created = await createPipeline(api, key, pipelineBody('by-both'));
    const byId = await getPipeline(api, key, created.id);
    const byName = await getPipeline(api, key, 'by-both');
    expect(byName).toEqual(byId);
    expect(byId).toMatchObject({ id: created.id, latestVersion: created.latestVersion });
  });

  it('makes version n+1 with a new hash for a changed spec or promotion, and none for the same spec', async () => {
    const created = await createPipeline(api, key, pipelineBody('versioned'));
    const patch = (body: object) =>
      api.http().patch('/v1/pipelines/versioned').set(bearer(key)).send(body).expect(200);
    const changedSpec = { ...created.spec, model: { ...created.spec.model, params: { alpha: 2 } } };

    const v2 = (await patch({ spec: changedSpec })).body;
    expect(v2.latestVersion).toMatchObject({ version: 2 });
    expect(v2.latestVersion.hash).not.toBe(created.latestVersion.hash);
    expect(v2.spec.model.params).toEqual({ alpha: 2 });

    // The same spec with its keys in another order (and its defaults left out) is the same version.
    const { pipeline, task, data, model } = changedSpec;
    const reordered = { model: { params: model.params, estimator: model.estimator }, data, task, pipeline };
    const same = (await patch({ spec: reordered, cooldownSeconds: 30 })).body;
    expect(same.latestVersion).toEqual(v2.latestVersion);
    expect(same.cooldownSeconds).toBe(30);

    const v3 = (await patch({ promotion: { policy: 'manual' } })).body;
    expect(v3).toMatchObject({ latestVersion: { version: 3 }, promotion: { policy: 'manual' } });
    expect(v3.spec).toMatchObject({ promotion: { policy: 'manual' }, model: { params: { alpha: 2 } } });
    expect(new Set([created, v2, v3].map((p) => p.latestVersion.hash)).size).toBe(3);
    const unchanged = (await patch({ promotion: { policy: 'manual' } })).body;
    expect(unchanged.latestVersion.version).toBe(3);

    const versions = await api.http().get('/v1/pipelines/versioned/versions').set(bearer(key)).expect(200);
    const list = pipelineVersionListSchema.parse(versions.body).items;
    expect(list.map((v) => [v.version, v.hash])).toEqual([
      [3, v3.latestVersion.hash],
      [2, v2.latestVersion.hash],
      [1, created.latestVersion.hash],
    ]);
    expect(list[2]?.spec).toEqual(created.spec);
    expect(list[0]?.createdBy).toEqual(expect.any(String));
    expect(events('pipeline.updated').at(-1)?.fields).toMatchObject({
      pipelineId: created.id,
      team: 'team-a',
      version: 3,
      changed: 'promotion',
    });
  });

  it('disables and enables a pipeline', async () => {
    const created = await createPipeline(api, key, pipelineBody('toggled'));
    const off = await api.http().post(`/v1/pipelines/${created.id}/disable`).set(bearer(key)).expect(200);
    expect(off.body).toMatchObject({ id: created.id, enabled: false, latestVersion: { version: 1 } });
    expect((await getPipeline(api, key, 'toggled')).enabled).toBe(false);
    const on = await api.http().post('/v1/pipelines/toggled/enable').set(bearer(key)).expect(200);
    expect(on.body.enabled).toBe(true);
    expect(events('pipeline.disabled').at(-1)?.fields).toMatchObject({ pipelineId: created.id });
    expect(events('pipeline.enabled').at(-1)?.fields).toMatchObject({ pipelineId: created.id });
  });

  it('deletes a pipeline: 204, then 404 on every read and on a second delete', async () => {
    const created = await createPipeline(api, key, pipelineBody('doomed'));
    await api.http().delete('/v1/pipelines/doomed').set(bearer(key)).expect(204);
    for (const ref of [created.id, 'doomed']) {
      const res = await api.http().get(`/v1/pipelines/${ref}`).set(bearer(key)).expect(404);
      expect(res.body.code).toBe('not_found');
      await api.http().get(`/v1/pipelines/${ref}/versions`).set(bearer(key)).expect(404);
    }
    await api.http().delete(`/v1/pipelines/${created.id}`).set(bearer(key)).expect(404);
    expect(await pipelineNames(api, key)).not.toContain('doomed');
    expect(events('pipeline.deleted').at(-1)?.fields).toMatchObject({
      pipelineId: created.id,
      team: 'team-a',
    });
    // The name is free again.
    await createPipeline(api, key, pipelineBody('doomed'));
  });

  it('records on a job the pipeline, spec version, trigger and data high-water mark that started it', async () => {
    const csv = { source: 'csv', path: 'sales/daily.csv', target: 'y', time_column: 'ts' } as const;
    const created = await createPipeline(api, key, {
      ...pipelineBody('with-runs'),
      spec: { ...pipelineBody('with-runs').spec, data: csv },
    });
    const before = Date.now();
    const res = await api.http().post('/v1/pipelines/with-runs/runs').set(bearer(key)).expect(201);
    const run = pipelineRunSchema.parse(res.body);
    expect(run.trigger).toMatchObject({
      kind: 'manual',
      outcome: 'started',
      reason: null,
      jobId: run.job.id,
    });

    const job = jobSchema.parse(
      (await api.http().get(`/v1/jobs/${run.job.id}`).set(bearer(key)).expect(200)).body,
    );
    expect(job).toMatchObject({
      team: 'team-a',
      pipeline: 'with-runs',
      state: 'queued',
      trigger: 'manual',
      pipelineId: created.id,
      pipelineVersion: 1,
      triggerId: run.trigger.id,
    });
    const highWater = Date.parse(job.dataHighWater ?? '');
    expect(highWater).toBeGreaterThanOrEqual(before - 1);
    expect(highWater).toBeLessThanOrEqual(Date.now());
    // The run reads its source up to the mark, so that the next trigger counts only the rows after it.
    expect(job.spec.data).toMatchObject({ ...csv, until: job.dataHighWater });

    await api
      .http()
      .patch(`/v1/pipelines/${created.id}`)
      .set(bearer(key))
      .send({ spec: { ...created.spec, model: { ...created.spec.model, params: { alpha: 3 } } } })
      .expect(200);
    const second = await api.http().post(`/v1/pipelines/${created.id}/runs`).set(bearer(key)).expect(201);
    expect(second.body.job).toMatchObject({ pipelineVersion: 2, spec: { model: { params: { alpha: 3 } } } });
    expect((await api.jobs.get(run.job.id))?.pipelineVersion).toBe(1);

    const shown = await getPipeline(api, key, created.id);
    expect(shown.lastRun).toMatchObject({ jobId: second.body.job.id, trigger: 'manual', pipelineVersion: 2 });
    expect(shown.lastTrigger).toMatchObject({ id: second.body.trigger.id, outcome: 'started' });
    expect(events('job.submitted').at(-1)?.fields).toMatchObject({
      jobId: second.body.job.id,
      triggerId: second.body.trigger.id,
      pipelineVersion: 2,
    });
  });
});
