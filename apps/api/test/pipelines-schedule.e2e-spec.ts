import { setTimeout as sleep } from 'node:timers/promises';
import type { TriggerRecord } from '@ct/shared';
import { freshDatabase, waitFor } from '@ct/test-support';
import { bearer, startTestApi, type TestApi } from './harness.js';
import {
  createPipeline,
  getPipeline,
  pipelineBody,
  TriggerQueueProbe,
  triggerRecords,
} from './pipeline-fixtures.js';

const EVERY_2S = { cron: '*/2 * * * * *', timezone: 'UTC' };
const DAILY = { cron: '0 3 * * *', timezone: 'UTC' };
const TICK_MS = 2_000;

/** Oldest first. */
async function recordsOf(api: TestApi, key: string, id: string): Promise<TriggerRecord[]> {
  return (await triggerRecords(api, key, id)).reverse();
}

const tickOf = (record: TriggerRecord) => Date.parse(String(record.figures.tickAt));

describe('pipeline schedules in BullMQ (one API process, real Postgres and Redis)', () => {
  let api: TestApi;
  let key: string;
  let probe: TriggerQueueProbe;

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.key('team-a', 'submitter');
    probe = TriggerQueueProbe.open(api);
  });

  afterAll(async () => {
    await probe?.close();
    await api.close();
  });

  it('fires every 2 s: the first tick starts a run, the next are suppressed while it is queued', async () => {
    const before = Date.now();
    const p = await createPipeline(api, key, pipelineBody('every-two', { schedule: EVERY_2S }));
    const next = Date.parse(p.nextRunAt ?? '');
    expect(next % TICK_MS).toBe(0);
    expect(next).toBeGreaterThan(before - TICK_MS);
    expect(next).toBeLessThanOrEqual(Date.now() + TICK_MS);
    expect(await probe.scheduler(p.id)).toMatchObject({ pattern: EVERY_2S.cron, tz: 'UTC' });

    const records = await waitFor(
      'three schedule ticks',
      async () => {
        const seen = await recordsOf(api, key, p.id);
        return seen.length >= 3 && seen;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const [first, ...later] = records as [TriggerRecord, ...TriggerRecord[]];
    expect(first).toMatchObject({ kind: 'schedule', outcome: 'started', jobId: expect.any(String) });
    for (const record of later)
      expect(record).toMatchObject({
        kind: 'schedule',
        outcome: 'suppressed',
        reason: 'run_in_progress',
        figures: { blockingJobId: first.jobId },
      });
    const ticks = records.map(tickOf);
    for (const [i, tick] of ticks.entries()) {
      expect(tick % TICK_MS).toBe(0);
      expect(Date.parse(records[i]?.firedAt ?? '')).toBeGreaterThanOrEqual(tick);
      if (i > 0) expect(tick).toBeGreaterThan(ticks[i - 1] ?? Infinity);
    }
    const jobs = await api.http().get('/v1/jobs?pipeline=every-two').set(bearer(key)).expect(200);
    expect(jobs.body.items.map((job: { id: string; trigger: string }) => [job.id, job.trigger])).toEqual([
      [first.jobId, 'schedule'],
    ]);

    const shown = await getPipeline(api, key, p.id);
    const shownNext = Date.parse(shown.nextRunAt ?? '');
    expect(shownNext % TICK_MS).toBe(0);
    expect(shownNext).toBeGreaterThan(Date.now() - 1_000);
    expect(shownNext).toBeLessThanOrEqual(Date.now() + TICK_MS);
    await api.http().delete(`/v1/pipelines/${p.id}`).set(bearer(key)).expect(204);
  }, 30_000);

  it('stops firing when disabled: the scheduler is gone and no tick after the disable is recorded', async () => {
    const p = await createPipeline(api, key, pipelineBody('switched', { schedule: EVERY_2S }));
    await waitFor('a first tick', async () => (await recordsOf(api, key, p.id)).length > 0, {
      timeoutMs: 6_000,
    });

    const off = await api.http().post(`/v1/pipelines/${p.id}/disable`).set(bearer(key)).expect(200);
    const disabledAt = Date.now();
    expect(off.body.nextRunAt).toBeNull();
    expect(await probe.scheduler(p.id)).toBeUndefined();
    // Proving that nothing comes takes one tick period (and a margin for a tick already being taken).
    await sleep(TICK_MS + 500);
    const records = await recordsOf(api, key, p.id);
    expect(records.filter((r) => tickOf(r) > disabledAt)).toEqual([]);
    const delayed = await probe.queue.getDelayed();
    expect(delayed.filter((job) => job.data.pipelineId === p.id)).toEqual([]);

    // A scheduler that outlived the disable (Redis missed the removal) still has its ticks recorded.
    await probe.queue.upsertJobScheduler(
      `pipeline:${p.id}`,
      { pattern: EVERY_2S.cron, tz: 'UTC' },
      {
        name: 'pipeline-tick',
        data: { pipelineId: p.id },
      },
    );
    const stray = await waitFor(
      'a tick of the disabled pipeline',
      async () => {
        const seen = await recordsOf(api, key, p.id);
        return seen.length > records.length && seen.at(-1);
      },
      { timeoutMs: 6_000 },
    );
    expect(stray).toMatchObject({ kind: 'schedule', outcome: 'suppressed', reason: 'pipeline_disabled' });

    await api.http().post(`/v1/pipelines/${p.id}/enable`).set(bearer(key)).expect(200);
    expect(await probe.scheduler(p.id)).toMatchObject({ pattern: EVERY_2S.cron });
    await api.http().delete(`/v1/pipelines/${p.id}`).set(bearer(key)).expect(204);
  }, 30_000);

  it('removes the scheduler and its next tick when the pipeline is deleted', async () => {
    const p = await createPipeline(api, key, pipelineBody('deleted', { schedule: EVERY_2S }));
    expect(await probe.scheduler(p.id)).toBeDefined();
    await api.http().delete('/v1/pipelines/deleted').set(bearer(key)).expect(204);
    expect(await probe.scheduler(p.id)).toBeUndefined();
    expect((await probe.queue.getDelayed()).filter((job) => job.data.pipelineId === p.id)).toEqual([]);
    expect(await probe.schedulerIds()).not.toContain(`pipeline:${p.id}`);
  });

  it('replaces the scheduler and its pending tick when the cron or time zone changes', async () => {
    const p = await createPipeline(api, key, pipelineBody('rescheduled', { schedule: EVERY_2S }));
    expect(await probe.scheduler(p.id)).toMatchObject({ pattern: EVERY_2S.cron, tz: 'UTC' });
    const changed = { cron: '0 3 * * *', timezone: 'America/New_York' };
    const res = await api
      .http()
      .patch('/v1/pipelines/rescheduled')
      .set(bearer(key))
      .send({ schedule: changed });
    expect(res.status).toBe(200);
    expect(res.body.schedule).toEqual(changed);
    const next = new Date(res.body.nextRunAt);
    // 03:00 in New York: 07:00 or 08:00 UTC, summer or winter.
    expect([7, 8]).toContain(next.getUTCHours());
    expect(next.getUTCMinutes()).toBe(0);
    const mine = (await probe.queue.getJobSchedulers(0, -1, true)).filter(
      (s) => (s.id ?? s.key) === `pipeline:${p.id}`,
    );
    // What the API shows is what BullMQ will do: one scheduler, its next tick the one shown.
    expect(mine).toEqual([
      expect.objectContaining({ pattern: changed.cron, tz: changed.timezone, next: next.getTime() }),
    ]);
    const pending = (await probe.queue.getDelayed()).filter((job) => job.data.pipelineId === p.id);
    expect(pending.map((job) => job.timestamp + job.delay)).toEqual([next.getTime()]);

    await api.http().patch('/v1/pipelines/rescheduled').set(bearer(key)).send({ schedule: null }).expect(200);
    expect(await probe.scheduler(p.id)).toBeUndefined();
    expect((await probe.queue.getDelayed()).filter((job) => job.data.pipelineId === p.id)).toEqual([]);
    expect((await getPipeline(api, key, p.id)).nextRunAt).toBeNull();
  });

  it.each([
    ['pipeline', '00000000-0000-4000-8000-00000000dead'],
    ['monitor', '00000000-0000-4000-8000-00000000beef'],
  ])('removes a %s scheduler whose pipeline is gone at its first tick', async (kind, gone) => {
    await probe.queue.upsertJobScheduler(
      `${kind}:${gone}`,
      { pattern: EVERY_2S.cron, tz: 'UTC' },
      {
        name: `${kind}-tick`,
        data: { pipelineId: gone },
      },
    );
    await waitFor(
      'the stray scheduler to go',
      async () => (await probe.queue.getJobScheduler(`${kind}:${gone}`)) === undefined,
      { timeoutMs: 6_000, intervalMs: 200 },
    );
  });
});

describe('pipeline schedules are re-synced from Postgres (real Postgres and Redis)', () => {
  it('puts back a scheduler deleted behind the API, and removes strays, every resync interval', async () => {
    const api = await startTestApi({ config: { scheduleResyncMs: 1_000 } });
    const probe = TriggerQueueProbe.open(api);
    try {
      const key = await api.key('team-a', 'submitter');
      const p = await createPipeline(api, key, pipelineBody('resynced', { schedule: DAILY }));
      const off = await createPipeline(
        api,
        key,
        pipelineBody('resync-off', { schedule: DAILY, enabled: false }),
      );
      expect(await probe.schedulerIds()).toEqual([`pipeline:${p.id}`]);

      await probe.queue.removeJobScheduler(`pipeline:${p.id}`);
      const stray = '00000000-0000-4000-8000-000000000000';
      for (const id of [stray, off.id])
        await probe.queue.upsertJobScheduler(
          `pipeline:${id}`,
          { pattern: DAILY.cron },
          {
            name: 'pipeline-tick',
            data: { pipelineId: id },
          },
        );
      await waitFor(
        'the schedulers to match Postgres again',
        async () => {
          const ids = await probe.schedulerIds();
          return ids.length === 1 && ids[0] === `pipeline:${p.id}`;
        },
        { timeoutMs: 8_000, intervalMs: 200 },
      );
      expect(await probe.scheduler(p.id)).toMatchObject({ pattern: DAILY.cron, tz: 'UTC' });
    } finally {
      await probe.close();
      await api.close();
    }
  }, 20_000);

  it('puts back a scheduler deleted while no API ran, when an API starts on the same database', async () => {
    const db = await freshDatabase();
    const first = await startTestApi({ db });
    const probe = TriggerQueueProbe.open(first);
    let second: TestApi | null = null;
    try {
      const key = await first.key('team-a', 'submitter');
      const p = await createPipeline(first, key, pipelineBody('restarted', { schedule: DAILY }));
      await first.app.close();
      await probe.queue.removeJobScheduler(`pipeline:${p.id}`);
      expect(await probe.schedulerIds()).toEqual([]);

      second = await startTestApi({
        db,
        config: { bullmqPrefix: first.config.bullmqPrefix, bootstrapAdmin: first.config.bootstrapAdmin },
      });
      await waitFor('the scheduler to come back', () => probe.scheduler(p.id), { timeoutMs: 8_000 });
      expect(await probe.scheduler(p.id)).toMatchObject({ pattern: DAILY.cron, tz: 'UTC' });
      expect((await getPipeline(second, key, p.id)).nextRunAt).toEqual(expect.any(String));
    } finally {
      await probe.close();
      await (second ?? first).close();
      await db.drop();
    }
  }, 20_000);
});
