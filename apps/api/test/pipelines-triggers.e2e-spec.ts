import type { TriggerRecord } from '@ct/shared';
import { type AuditRecord, memoryAuditLog } from '@ct/shared/audit';
import { AUDIT_LOG } from '../src/audit/audit.module.js';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { getPipeline, pipelineCalls } from './pipeline-fixtures.js';

describe('pipeline triggers: new data, guards, every firing recorded (real Postgres and Redis)', () => {
  const audit = memoryAuditLog('api');
  let api: TestApi;
  let key: string;
  let t: ReturnType<typeof pipelineCalls>;
  const audited = (name: string, triggerId: string): AuditRecord | undefined =>
    audit.events.find((e) => e.event === name && e.fields.triggerId === triggerId);

  beforeAll(async () => {
    api = await startTestApi({ customize: (builder) => builder.overrideProvider(AUDIT_LOG).useValue(audit) });
    key = await api.key('team-a', 'submitter');
    t = pipelineCalls(api, key);
  });

  afterAll(async () => {
    await api.close();
  });

  it('starts nothing below the threshold, one run when crossing it, and suppresses the next while it runs', async () => {
    const p = await t.create('fresh-sales', 100);
    const below = await t.arrive(p.id, 40);
    expect(below).toMatchObject({
      rows: 40,
      trigger: null,
      newData: { minNewRows: 100, rowsSinceLastRun: 40 },
    });
    expect(await t.records(p.id)).toEqual([]);

    const crossing = await t.arrive(p.id, 60);
    const started = crossing.trigger as TriggerRecord;
    expect(started).toMatchObject({
      kind: 'new_data',
      outcome: 'started',
      reason: null,
      jobId: expect.any(String),
      figures: { rowsSinceLastRun: 100, minNewRows: 100, highWaterMark: null, arrivedRows: 60 },
    });
    const [job, ...more] = await t.jobsOf('fresh-sales');
    expect(more).toEqual([]);
    expect(job).toMatchObject({ id: started.jobId, state: 'queued', triggerId: started.id });
    expect(['waiting', 'prioritized']).toContain(await api.queue.getState(started.jobId ?? ''));
    const mark = (await api.jobs.get(started.jobId ?? ''))?.dataHighWater;
    expect(crossing.newData).toMatchObject({ rowsSinceLastRun: 0, highWaterMark: mark?.toISOString() });

    const whileQueued = await t.arrive(p.id, 100);
    expect(whileQueued.trigger).toMatchObject({
      outcome: 'suppressed',
      reason: 'run_in_progress',
      jobId: null,
      figures: { rowsSinceLastRun: 100, blockingJobId: started.jobId },
    });
    await api.start(started.jobId ?? '');
    const whileRunning = await t.arrive(p.id, 5);
    expect(whileRunning.trigger).toMatchObject({ outcome: 'suppressed', reason: 'run_in_progress' });
    expect(whileRunning.trigger?.message).toContain('running');
    expect(await t.jobsOf('fresh-sales')).toHaveLength(1);

    expect(audited('trigger.fired', started.id)).toMatchObject({
      level: 0,
      fields: {
        pipelineId: p.id,
        team: 'team-a',
        trigger: 'new_data',
        outcome: 'started',
        jobId: started.jobId,
        actor: 'trigger',
      },
    });
    expect(audited('trigger.suppressed', whileQueued.trigger?.id ?? '')).toMatchObject({
      level: 1,
      fields: { pipelineId: p.id, team: 'team-a', outcome: 'suppressed', reason: 'run_in_progress' },
    });

    // After the run, rows that came while it ran (after its mark) count: the next arrival starts a run.
    await api.finish(started.jobId ?? '', 'succeeded');
    const next = await t.arrive(p.id, 1);
    expect(next.trigger).toMatchObject({
      outcome: 'started',
      figures: { rowsSinceLastRun: 106, highWaterMark: mark?.toISOString() },
    });
  });

  it('counts, after a run, only the rows that arrived after its high-water mark', async () => {
    const p = await t.create('marked', 50);
    const first = (await t.arrive(p.id, 50)).trigger as TriggerRecord;
    await api.start(first.jobId ?? '');
    const job = await api.finish(first.jobId ?? '', 'succeeded');
    const mark = job.dataHighWater as Date;

    const late = await t.arrive(p.id, 500, new Date(mark.getTime() - 1_000));
    expect(late).toMatchObject({
      trigger: null,
      newData: { rowsSinceLastRun: 0, highWaterMark: mark.toISOString() },
    });
    const atMark = await t.arrive(p.id, 500, mark);
    expect(atMark).toMatchObject({ trigger: null, newData: { rowsSinceLastRun: 0 } });
    const after = await t.arrive(p.id, 49, new Date(mark.getTime() + 1));
    expect(after).toMatchObject({ trigger: null, newData: { rowsSinceLastRun: 49 } });
    const crossing = await t.arrive(p.id, 1);
    expect(crossing.trigger).toMatchObject({ outcome: 'started', figures: { rowsSinceLastRun: 50 } });
    expect((await getPipeline(api, key, p.id)).newData).toMatchObject({ rowsSinceLastRun: 0 });
  });

  it.each(['failed', 'cancelled'] as const)('counts the rows of a %s run again', async (end) => {
    const p = await t.create(`again-${end}`, 50);
    const first = (await t.arrive(p.id, 50)).trigger as TriggerRecord;
    await api.start(first.jobId ?? '');
    await api.finish(first.jobId ?? '', end, end === 'failed' ? { failureReason: 'data_error' } : {});
    expect((await getPipeline(api, key, p.id)).newData).toMatchObject({
      rowsSinceLastRun: 50,
      highWaterMark: null,
    });
    const next = await t.arrive(p.id, 1);
    expect(next.trigger).toMatchObject({ outcome: 'started', figures: { rowsSinceLastRun: 51 } });
  });

  it('suppresses a trigger during the cool-down after a run, but not a manual run', async () => {
    const p = await t.create('cooling', 10, { cooldownSeconds: 60 });
    const first = (await t.arrive(p.id, 10)).trigger as TriggerRecord;
    await api.start(first.jobId ?? '');
    const ended = await api.finish(first.jobId ?? '', 'succeeded');
    const until = new Date((ended.finishedAt as Date).getTime() + 60_000).toISOString();
    const cooled = await t.arrive(p.id, 10);
    expect(cooled.trigger).toMatchObject({
      outcome: 'suppressed',
      reason: 'cooldown',
      jobId: null,
      figures: { cooldownUntil: until },
    });
    expect(audited('trigger.suppressed', cooled.trigger?.id ?? '')?.fields).toMatchObject({
      reason: 'cooldown',
    });
    const manual = await t.run(p.id).expect(201);
    expect(manual.body.trigger).toMatchObject({
      kind: 'manual',
      outcome: 'started',
      jobId: manual.body.job.id,
    });
  });

  it('records firings of a disabled pipeline as suppressed: a manual run is 409, an arrival 202', async () => {
    const p = await t.create('switched-off', 10, { enabled: false });
    const manual = await t.run(p.id).expect(409);
    expect(manual.body).toMatchObject({
      code: 'conflict',
      details: { trigger: { kind: 'manual', outcome: 'suppressed', reason: 'pipeline_disabled' } },
    });
    expect((await t.arrive(p.id, 5)).trigger).toBeNull();
    const crossing = await t.arrive(p.id, 5);
    expect(crossing.trigger).toMatchObject({
      kind: 'new_data',
      outcome: 'suppressed',
      reason: 'pipeline_disabled',
    });
    const records = await t.records(p.id);
    expect(records.map((r) => [r.kind, r.outcome, r.reason])).toEqual([
      ['new_data', 'suppressed', 'pipeline_disabled'],
      ['manual', 'suppressed', 'pipeline_disabled'],
    ]);
    expect(records[1]?.id).toBe(manual.body.details.trigger.id);
    expect(await t.jobsOf('switched-off')).toEqual([]);
    await api.http().post(`/v1/pipelines/${p.id}/enable`).set(bearer(key)).expect(200);
    expect((await t.arrive(p.id, 1)).trigger).toMatchObject({ outcome: 'started' });
  });

  it('starts exactly one job when 20 concurrent arrivals cross the threshold together', async () => {
    const p = await t.create('stampede', 100);
    const results = await Promise.all(Array.from({ length: 20 }, () => t.arrive(p.id, 10)));
    const fired = results.flatMap((r) => (r.trigger ? [r.trigger] : []));
    expect(fired.filter((r) => r.outcome === 'started')).toHaveLength(1);
    expect(fired.filter((r) => r.outcome === 'suppressed').every((r) => r.reason === 'run_in_progress')).toBe(
      true,
    );
    expect(await t.jobsOf('stampede')).toHaveLength(1);
    expect((await t.records(p.id)).map((r) => r.id).sort()).toEqual(fired.map((r) => r.id).sort());
  });

  it('counts arrivals before a new-data trigger is added, and fires nothing until then', async () => {
    const p = await t.create('late-trigger');
    expect(await t.arrive(p.id, 30)).toMatchObject({ rows: 30, newData: null, trigger: null });
    const patched = await api
      .http()
      .patch(`/v1/pipelines/${p.id}`)
      .set(bearer(key))
      .send({ triggers: { newData: { minNewRows: 50 } } })
      .expect(200);
    expect(patched.body.newData).toMatchObject({ minNewRows: 50, rowsSinceLastRun: 30, highWaterMark: null });
    expect((await t.arrive(p.id, 20)).trigger).toMatchObject({ outcome: 'started' });
    expect(await t.records(p.id)).toHaveLength(1);
  });

  it('pages trigger records newest first with a cursor', async () => {
    const p = await t.create('paged', 1, { enabled: false });
    for (let i = 0; i < 5; i += 1) await t.arrive(p.id, 1);
    const all = await t.records(p.id);
    expect(all).toHaveLength(5);
    const pages: TriggerRecord[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await api
        .http()
        .get(`/v1/pipelines/paged/triggers?limit=2${query}`)
        .set(bearer(key))
        .expect(200);
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all);
    const times = all.map((r) => Date.parse(r.firedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
