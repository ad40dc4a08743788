import { randomUUID } from 'node:crypto';
import { type Job, jobPageSchema } from '@ct/shared';
import { freshDatabase, waitFor } from '@ct/test-support';
import { ScoringJobsService } from '../src/scoring/scoring-jobs.service.js';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';
import { createPipeline, getPipeline, pipelineBody, TriggerQueueProbe } from './pipeline-fixtures.js';

const DAILY = { cron: '0 3 * * *', timezone: 'UTC' };
const EVERY_2S = { cron: '*/2 * * * * *', timezone: 'UTC' };

describe('monitoring schedules in BullMQ (real Postgres, Redis and MLflow registry)', () => {
  let api: TestApi;
  let key: string;
  let probe: TriggerQueueProbe;
  let registry: RegistryFixture;
  const suffix = randomUUID().slice(0, 8);
  const models: string[] = [];

  const patch = (ref: string, body: object) =>
    api.http().patch(`/v1/pipelines/${ref}`).set(bearer(key)).send(body).expect(200);
  const jobsOf = async (name: string): Promise<Job[]> =>
    jobPageSchema.parse((await api.http().get(`/v1/jobs?pipeline=${name}&limit=200`).set(bearer(key))).body)
      .items;
  /** A pipeline of team A whose champion is version 1 in the registry. */
  const championed = async (name: string, monitoring: object) => {
    const pipeline = await createPipeline(api, key, pipelineBody(name, { monitoring }));
    await registry.model(`team-a.${name}`, [{}]);
    models.push(`team-a.${name}`);
    await registry.alias(`team-a.${name}`, 'champion', '1');
    return pipeline;
  };

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.key('team-a', 'submitter');
    probe = TriggerQueueProbe.open(api);
    registry = new RegistryFixture(api.config.mlflowTrackingUri);
  });

  afterAll(async () => {
    for (const model of models) await registry?.delete(model);
    await probe?.close();
    await api?.close();
  });

  it('holds a monitor:<id> scheduler while the pipeline is enabled with a monitoring schedule', async () => {
    const p = await createPipeline(
      api,
      key,
      pipelineBody('watched', { monitoring: { schedule: DAILY, windowSeconds: 7200 } }),
    );
    expect(p.monitoring).toEqual({ schedule: DAILY, windowSeconds: 7200 });
    expect(await probe.monitorScheduler(p.id)).toMatchObject({
      name: 'monitor-tick',
      pattern: DAILY.cron,
      tz: 'UTC',
    });
    // A pipeline schedule is a scheduler of its own: this pipeline has none.
    expect(await probe.schedulerIds()).toEqual([`monitor:${p.id}`]);

    await api.http().post('/v1/pipelines/watched/disable').set(bearer(key)).expect(200);
    expect(await probe.monitorScheduler(p.id)).toBeUndefined();
    await api.http().post('/v1/pipelines/watched/enable').set(bearer(key)).expect(200);
    expect(await probe.monitorScheduler(p.id)).toMatchObject({ pattern: DAILY.cron });

    const changed = { cron: '30 * * * *', timezone: 'Europe/Paris' };
    const res = await patch('watched', { monitoring: { schedule: changed }, schedule: DAILY });
    expect(res.body.monitoring).toEqual({ schedule: changed, windowSeconds: 86_400 });
    expect(await probe.monitorScheduler(p.id)).toMatchObject({ pattern: changed.cron, tz: 'Europe/Paris' });
    expect(await probe.schedulerIds()).toEqual([`monitor:${p.id}`, `pipeline:${p.id}`]);

    const off = await patch('watched', { monitoring: { schedule: null } });
    expect(off.body.monitoring).toEqual({ schedule: null, windowSeconds: 86_400 });
    expect(await probe.monitorScheduler(p.id)).toBeUndefined();
    expect(await probe.scheduler(p.id)).toBeDefined();

    await patch('watched', { monitoring: { schedule: DAILY } });
    await api.http().delete('/v1/pipelines/watched').set(bearer(key)).expect(204);
    expect(await probe.schedulerIds()).toEqual([]);
  });

  it('makes one monitor job per tick, over the window ending at the tick, and none for a second delivery', async () => {
    const name = `ticked-${suffix}`;
    const p = await championed(name, { schedule: EVERY_2S, windowSeconds: 600 });
    const [first] = await waitFor(
      'a scheduled monitor job',
      async () => {
        const jobs = await jobsOf(name);
        return jobs.length > 0 && jobs;
      },
      { timeoutMs: 8_000, intervalMs: 200 },
    );
    await api.http().post(`/v1/pipelines/${name}/disable`).set(bearer(key)).expect(200);
    const job = first as Job;
    expect(job).toMatchObject({
      kind: 'monitor',
      trigger: 'schedule',
      pipelineId: p.id,
      pipelineVersion: 1,
      submittedBy: null,
      idempotencyKey: expect.stringMatching(new RegExp(`^monitor:${p.id}:\\d+$`)),
      task: { kind: 'monitor', model: 'champion' },
    });
    const tickAt = Number(job.idempotencyKey?.split(':').at(-1));
    expect(tickAt % 2_000).toBe(0);
    const task = job.task as { windowStart: string; windowEnd: string };
    expect([Date.parse(task.windowStart), Date.parse(task.windowEnd)]).toEqual([tickAt - 600_000, tickAt]);
    expect(await api.queue.getState(job.id, 'monitor')).toBe('prioritized');

    // BullMQ hands a tick over again after a crash: the same tick makes nothing new.
    const count = (await jobsOf(name)).length;
    await api.http().post(`/v1/pipelines/${name}/enable`).set(bearer(key)).expect(200);
    expect(await api.app.get(ScoringJobsService).tick(p.id, new Date(tickAt))).toBe('duplicate');
    await api.http().post(`/v1/pipelines/${name}/disable`).set(bearer(key)).expect(200);
    expect((await jobsOf(name)).filter((j) => j.idempotencyKey === job.idempotencyKey)).toHaveLength(1);
    expect((await jobsOf(name)).length).toBeGreaterThanOrEqual(count);
  }, 20_000);

  it('skips the ticks of a pipeline without a champion, and of one disabled meanwhile', async () => {
    const p = await createPipeline(
      api,
      key,
      pipelineBody(`unwatched-${suffix}`, { monitoring: { schedule: DAILY } }),
    );
    const sut = api.app.get(ScoringJobsService);
    expect(await sut.tick(p.id, new Date())).toBe('skipped');
    const off = await championed(`paused-${suffix}`, { schedule: DAILY });
    await api.http().post(`/v1/pipelines/${off.id}/disable`).set(bearer(key)).expect(200);
    expect(await sut.tick(off.id, new Date())).toBe('skipped');
    expect(await sut.tick(randomUUID(), new Date())).toBe('gone');
    expect(await jobsOf(p.name)).toEqual([]);
    expect(await jobsOf(off.name)).toEqual([]);
    expect(await getPipeline(api, key, off.id)).toMatchObject({ lastRun: null });
  });
});

describe('a monitoring tick of a team at its quota (real Postgres, Redis and MLflow registry)', () => {
  let api: TestApi;
  let registry: RegistryFixture;
  const name = `quota-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    api = await startTestApi({ config: { teamQuota: { maxRunning: 1, maxQueued: 0 } } });
    registry = new RegistryFixture(api.config.mlflowTrackingUri);
  });

  afterAll(async () => {
    await registry?.delete(`team-a.${name}`);
    await api?.close();
  });

  it('is refused, makes no job, and does not fail the tick', async () => {
    const key = await api.key('team-a', 'submitter');
    const pipeline = await createPipeline(api, key, pipelineBody(name, { monitoring: { schedule: DAILY } }));
    await registry.model(`team-a.${name}`, [{}]);
    await registry.alias(`team-a.${name}`, 'champion', '1');
    // The one job the quota allows: the tick's monitor job would be one too many.
    const run = await api.http().post(`/v1/pipelines/${name}/runs`).set(bearer(key)).expect(201);
    await api.start(run.body.job.id);

    expect(await api.app.get(ScoringJobsService).tick(pipeline.id, new Date())).toBe('refused');
    expect((await api.jobs.list(null, { limit: 10 })).items.map((job) => job.kind)).toEqual(['train']);
  });
});

describe('monitoring schedules are re-synced from Postgres (real Postgres and Redis)', () => {
  it('puts back a monitor scheduler deleted behind the API and removes a stray one, at start-up too', async () => {
    const db = await freshDatabase();
    const api = await startTestApi({ db, config: { scheduleResyncMs: 1_000 } });
    const probe = TriggerQueueProbe.open(api);
    let second: TestApi | null = null;
    try {
      const key = await api.key('team-a', 'submitter');
      const p = await createPipeline(api, key, pipelineBody('resynced', { monitoring: { schedule: DAILY } }));
      await probe.queue.removeJobScheduler(`monitor:${p.id}`);
      const stray = randomUUID();
      await probe.queue.upsertJobScheduler(
        `monitor:${stray}`,
        { pattern: DAILY.cron },
        { name: 'monitor-tick', data: { pipelineId: stray } },
      );
      await waitFor(
        'the monitor schedulers to match Postgres again',
        async () => {
          const ids = await probe.schedulerIds();
          return ids.length === 1 && ids[0] === `monitor:${p.id}`;
        },
        { timeoutMs: 8_000, intervalMs: 200 },
      );

      await api.app.close();
      await probe.queue.removeJobScheduler(`monitor:${p.id}`);
      second = await startTestApi({
        db,
        config: { bullmqPrefix: api.config.bullmqPrefix, bootstrapAdmin: api.config.bootstrapAdmin },
      });
      await waitFor('the scheduler to come back', () => probe.monitorScheduler(p.id), { timeoutMs: 8_000 });
    } finally {
      await probe.close();
      await second?.close();
      await api.close().catch(() => undefined);
      await db.drop();
    }
  }, 30_000);
});
