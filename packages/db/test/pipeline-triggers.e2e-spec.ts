import { JobEntity } from '../src/entities/job.entity.js';
import { TriggerRecordEntity } from '../src/entities/trigger-record.entity.js';
import { JobLifecycle } from '../src/lifecycle/job-lifecycle.js';
import { type FireResult, type Firing, PipelineTriggers } from '../src/pipelines/pipeline-triggers.js';
import { EventStore } from '../src/store/event-store.js';
import { JobStore } from '../src/store/job-store.js';
import { type PipelineDefinition, PipelineStore } from '../src/store/pipeline-store.js';
import type { TeamQuota } from '../src/store/team-quota.js';
import { migratedDatabase } from './database.js';
import { definition, directJob, pipelineSpec, unique } from './pipeline-fixtures.js';

const ROOMY: TeamQuota = { maxRunning: 100, maxQueued: 100 };
const ONE: TeamQuota = { maxRunning: 1, maxQueued: 0 };
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function recorded(result: FireResult) {
  if (result.kind !== 'recorded') throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  return result;
}

describe('PipelineTriggers (real Postgres)', () => {
  const database = migratedDatabase();
  let pipelines: PipelineStore;
  let jobs: JobStore;
  let lifecycle: JobLifecycle;
  let sut: PipelineTriggers;

  beforeAll(async () => {
    // A pool of 4 for races of 20: waiting transactions hold their connections, so a firing that needed a
    // second connection would hang here rather than pass.
    pipelines = new PipelineStore(database.dataSource);
    jobs = new JobStore(database.dataSource);
    lifecycle = new JobLifecycle(database.dataSource);
    sut = new PipelineTriggers(database.dataSource);
  });

  /** A pipeline in a team of its own. */
  const register = async (change: Partial<PipelineDefinition> = {}, team = unique('team')) => {
    const created = await pipelines.create(team, definition(unique('p'), change), null);
    if (!created) throw new Error('pipeline exists already');
    return created.pipeline;
  };
  const fire = (pipelineId: string, firing: Partial<Firing> = {}) =>
    sut.fire({ pipelineId, kind: 'schedule', quota: ROOMY, now: T0, ...firing });
  const recordsOf = (pipelineId: string) =>
    database.dataSource
      .getRepository(TriggerRecordEntity)
      .find({ where: { pipelineId }, order: { firedAt: 'ASC' } });
  const jobsOf = (pipelineId: string) => database.dataSource.getRepository(JobEntity).findBy({ pipelineId });
  const start = async (id: string) => {
    const moved = await lifecycle.move(id, {
      to: 'running',
      from: ['queued'],
      startAttempt: { worker: 'w' },
    });
    if (!moved) throw new Error(`job ${id} did not start`);
  };
  /** Ends the job as the app does (a queued job starts first when it is to succeed). */
  const finish = async (id: string, to: 'succeeded' | 'failed' | 'cancelled', finishedAt: Date) => {
    if (to === 'succeeded' && (await jobs.get(id))?.state === 'queued') await start(id);
    const moved = await lifecycle.move(id, { to, from: ['queued', 'running'], patch: { finishedAt } });
    if (!moved) throw new Error(`job ${id} did not move to ${to}`);
  };
  /** A job of the pipeline's team that is not the pipeline's: it counts for the quota only. */
  const fillTeam = async (team: string, state: 'queued' | 'running') => {
    const { job } = await jobs.create(team, directJob);
    if (state === 'running') await start(job.id);
    return job;
  };

  describe('a run that starts', () => {
    it('records the firing and creates the queued job of the latest version, bounded, with its state event', async () => {
      const pipeline = await register();
      const latest = pipelineSpec(pipeline.name, { split: { test_size: 0.3, seed: 9 } });
      await pipelines.update(pipeline.id, { spec: latest }, null);
      const by = '00000000-0000-4000-8000-0000000000c1';
      const run = { priority: 7, timeoutSeconds: 120, maxAttempts: 2, params: { n_estimators: 10 } };
      const result = recorded(
        await fire(pipeline.id, { kind: 'manual', figures: { note: 'by hand' }, run, submittedBy: by }),
      );

      expect(result.duplicate).toBe(false);
      const { record, job } = result;
      expect(record).toMatchObject({
        pipelineId: pipeline.id,
        team: pipeline.team,
        kind: 'manual',
        firedAt: T0,
        figures: { note: 'by hand' },
        outcome: 'started',
        reason: null,
        jobId: job?.id,
        dedupeKey: null,
      });
      expect(record.message).toContain(`job ${job?.id}`);
      expect(job).toMatchObject({
        team: pipeline.team,
        pipeline: pipeline.name,
        state: 'queued',
        attempts: 0,
        trigger: 'manual',
        pipelineId: pipeline.id,
        pipelineVersion: 2,
        triggerId: record.id,
        dataHighWater: T0,
        submittedBy: by,
        ...run,
      });
      expect(job?.spec).toEqual({ ...latest, data: { ...latest.data, until: T0.toISOString() } });

      // As stored, not only as answered.
      const [stored] = await recordsOf(pipeline.id);
      expect(stored).toMatchObject({
        id: record.id,
        outcome: 'started',
        jobId: job?.id,
        figures: { note: 'by hand' },
      });
      expect(await jobs.get(job?.id ?? '')).toMatchObject({ triggerId: record.id, dataHighWater: T0 });
      const events = await new EventStore(database.dataSource).after(job?.id ?? '');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'state', state: 'queued', attempt: 0, failureReason: null });
      expect((events[0] as { message?: string }).message).toContain(pipeline.name);
    });

    it('keeps a spec without a time column as it is, with the default run options', async () => {
      const spec = pipelineSpec('x', { data: { source: 'sklearn', name: 'diabetes' } });
      const pipeline = await register({ spec: { ...spec } });
      const { job } = recorded(await fire(pipeline.id));
      expect(job).toMatchObject({ trigger: 'schedule', pipelineVersion: 1, priority: 100, maxAttempts: 3 });
      expect(job?.spec).toEqual(spec);
      expect(job?.submittedBy).toBeNull();
    });

    it('answers gone, never an error, to firings that race the pipeline’s deletion', async () => {
      const pipeline = await register();
      const racers = Array.from({ length: 10 }, (_, i) =>
        fire(pipeline.id, { dedupeKey: `schedule:${i}`, now: at(i) }),
      );
      const [deleted, ...results] = await Promise.all([pipelines.delete(pipeline.id), ...racers]);
      expect(deleted).toBe(true);
      for (const result of results) expect(['gone', 'recorded']).toContain(result.kind);
      expect(await recordsOf(pipeline.id)).toHaveLength(0);
      expect((await jobsOf(pipeline.id)).length).toBeLessThanOrEqual(1);
      expect(await fire(pipeline.id)).toEqual({ kind: 'gone' });
    });

    it('answers gone for a pipeline that is not there', async () => {
      expect(await fire('00000000-0000-4000-8000-000000000000')).toEqual({ kind: 'gone' });
    });
  });

  describe('guards', () => {
    it('suppresses every trigger of a disabled pipeline, manual runs too, before any other guard', async () => {
      const pipeline = await register({ enabled: false, cooldownSeconds: 3600 });
      await recorded(await fire(pipeline.id, { kind: 'manual' })); // disabled already: nothing starts
      // A run in progress, a cool-down and a full team: disabled still wins.
      await pipelines.update(pipeline.id, { enabled: true }, null);
      const first = recorded(await fire(pipeline.id, { kind: 'manual' })).job;
      const second = recorded(await fire(pipeline.id, { kind: 'manual' })).job;
      await finish(second?.id ?? '', 'succeeded', at(-10));
      await start(first?.id ?? '');
      await pipelines.update(pipeline.id, { enabled: false }, null);

      for (const kind of ['manual', 'schedule', 'new_data'] as const) {
        const result = recorded(await fire(pipeline.id, { kind, quota: ONE }));
        expect(result.job).toBeNull();
        expect(result.record).toMatchObject({
          kind,
          outcome: 'suppressed',
          reason: 'pipeline_disabled',
          jobId: null,
        });
        expect(result.record.message).toBe(`pipeline ${pipeline.name} is disabled`);
      }
      const records = await recordsOf(pipeline.id);
      expect(records.filter((row) => row.outcome === 'started')).toHaveLength(2);
      expect(records.filter((row) => row.reason === 'pipeline_disabled')).toHaveLength(4);
      expect(await jobsOf(pipeline.id)).toHaveLength(2);
    });

    it('suppresses a trigger while a run of the pipeline is queued or running, naming it', async () => {
      const pipeline = await register();
      const { job } = recorded(await fire(pipeline.id, { kind: 'manual' }));
      const queued = recorded(await fire(pipeline.id, { now: at(1) }));
      expect(queued.job).toBeNull();
      expect(queued.record).toMatchObject({
        kind: 'schedule',
        outcome: 'suppressed',
        reason: 'run_in_progress',
        figures: { blockingJobId: job?.id },
      });
      expect(queued.record.message).toBe(`job ${job?.id} of this pipeline is still queued`);
      await start(job?.id ?? '');
      const running = recorded(await fire(pipeline.id, { kind: 'new_data', now: at(2) }));
      expect(running.record).toMatchObject({
        reason: 'run_in_progress',
        figures: { blockingJobId: job?.id },
      });
      expect(running.record.message).toContain('still running');
      await finish(job?.id ?? '', 'succeeded', at(3));
      expect(recorded(await fire(pipeline.id, { now: at(4) })).record.outcome).toBe('started');
    });

    it('checks a run in progress before the cool-down and the quota', async () => {
      const pipeline = await register({ cooldownSeconds: 3600 });
      const earlier = recorded(await fire(pipeline.id, { kind: 'manual' })).job;
      await finish(earlier?.id ?? '', 'succeeded', at(-1));
      const { job } = recorded(await fire(pipeline.id, { kind: 'manual' }));
      await fillTeam(pipeline.team, 'running');
      const result = recorded(await fire(pipeline.id, { quota: ONE }));
      expect(result.record).toMatchObject({ reason: 'run_in_progress', figures: { blockingJobId: job?.id } });
      expect(result.record.figures).not.toHaveProperty('cooldownUntil');
      expect(result.record.figures).not.toHaveProperty('teamLimit');
    });

    it('lets a manual run past a run in progress and the cool-down', async () => {
      const pipeline = await register({ cooldownSeconds: 3600 });
      const first = recorded(await fire(pipeline.id, { kind: 'manual' })).job;
      const second = recorded(await fire(pipeline.id, { kind: 'manual', now: at(1) }));
      expect(second.record.outcome).toBe('started');
      await finish(first?.id ?? '', 'succeeded', at(2));
      await finish(second.job?.id ?? '', 'cancelled', at(3));
      expect(recorded(await fire(pipeline.id, { kind: 'manual', now: at(4) })).record.outcome).toBe(
        'started',
      );
      expect(await jobsOf(pipeline.id)).toHaveLength(3);
    });

    it('suppresses a trigger during the cool-down after the last run ended, however it ended', async () => {
      const pipeline = await register({ cooldownSeconds: 600 });
      const first = recorded(await fire(pipeline.id, { kind: 'manual' })).job;
      const second = recorded(await fire(pipeline.id, { kind: 'manual' })).job;
      await start(first?.id ?? '');
      await finish(first?.id ?? '', 'succeeded', at(100));
      // The run that ended last sets the cool-down, even when it failed.
      await finish(second?.id ?? '', 'failed', at(200));

      const during = recorded(await fire(pipeline.id, { now: at(260) }));
      expect(during.job).toBeNull();
      expect(during.record).toMatchObject({
        outcome: 'suppressed',
        reason: 'cooldown',
        figures: { cooldownUntil: at(800).toISOString() },
      });
      expect(during.record.message).toContain(at(800).toISOString());
      expect(recorded(await fire(pipeline.id, { kind: 'new_data', now: at(799) })).record.reason).toBe(
        'cooldown',
      );
      const after = recorded(await fire(pipeline.id, { now: at(800) }));
      expect(after.record).toMatchObject({ outcome: 'started', reason: null });
      expect(after.record.figures).not.toHaveProperty('cooldownUntil');
    });

    it('has no cool-down with zero seconds, and none before the first run', async () => {
      const pipeline = await register({ cooldownSeconds: 0 });
      const first = recorded(await fire(pipeline.id)).job;
      await finish(first?.id ?? '', 'succeeded', T0);
      expect(recorded(await fire(pipeline.id, { now: T0 })).record.outcome).toBe('started');
      const fresh = await register({ cooldownSeconds: 600 });
      expect(recorded(await fire(fresh.id)).record.outcome).toBe('started');
    });

    it('checks the cool-down before the quota', async () => {
      const pipeline = await register({ cooldownSeconds: 600 });
      const { job } = recorded(await fire(pipeline.id, { kind: 'manual' }));
      await finish(job?.id ?? '', 'succeeded', T0);
      await fillTeam(pipeline.team, 'running');
      const result = recorded(await fire(pipeline.id, { now: at(1), quota: ONE }));
      expect(result.record.reason).toBe('cooldown');
      expect(result.record.figures).not.toHaveProperty('teamLimit');
    });

    it('suppresses every kind of firing, manual too, when the team is at its quota, with the figures', async () => {
      const team = unique('team');
      const pipeline = await register({}, team);
      await fillTeam(team, 'running');
      await fillTeam(team, 'queued');
      const quota = { maxRunning: 1, maxQueued: 1 };
      for (const kind of ['manual', 'schedule', 'new_data'] as const) {
        const result = recorded(await fire(pipeline.id, { kind, quota, figures: { tickAt: 'x' } }));
        expect(result.job).toBeNull();
        expect(result.record).toMatchObject({
          kind,
          outcome: 'suppressed',
          reason: 'quota',
          figures: { tickAt: 'x', teamRunning: 1, teamQueued: 1, teamLimit: 2 },
        });
        expect(result.record.message).toContain(`team ${team} has 1 running and 1 queued jobs`);
      }
      // Another team's jobs do not count; a place that frees up lets the next run start.
      const other = await register();
      expect(recorded(await fire(other.id, { quota: ONE })).record.outcome).toBe('started');
      const [, queued] = await database.dataSource
        .getRepository(JobEntity)
        .find({ where: { team }, order: { createdAt: 'ASC' } });
      await finish(queued?.id ?? '', 'cancelled', T0);
      expect(recorded(await fire(pipeline.id, { quota })).record.outcome).toBe('started');
      expect(await jobsOf(pipeline.id)).toHaveLength(1);
    });
  });

  describe('dedupe', () => {
    it('answers the first record for a key that fired already, marked as a duplicate', async () => {
      const pipeline = await register();
      const first = recorded(await fire(pipeline.id, { dedupeKey: 'schedule:1', figures: { tickAt: 'a' } }));
      const again = recorded(await fire(pipeline.id, { dedupeKey: 'schedule:1', now: at(5) }));
      expect(first.duplicate).toBe(false);
      expect(again).toMatchObject({ duplicate: true, record: { id: first.record.id, firedAt: T0 } });
      expect(again.job?.id).toBe(first.job?.id);
      expect(again.record.dedupeKey).toBe('schedule:1');
      // A suppressed firing is answered the same way.
      const next = recorded(await fire(pipeline.id, { dedupeKey: 'schedule:2', now: at(10) }));
      expect(next.record.reason).toBe('run_in_progress');
      const nextAgain = recorded(await fire(pipeline.id, { dedupeKey: 'schedule:2', now: at(11) }));
      expect(nextAgain).toMatchObject({ duplicate: true, job: null, record: { id: next.record.id } });
      expect(await recordsOf(pipeline.id)).toHaveLength(2);
      // The key is the pipeline's: another pipeline fires with it as usual.
      const other = await register();
      expect(recorded(await fire(other.id, { dedupeKey: 'schedule:1' })).duplicate).toBe(false);
    });

    it('records one firing and makes at most one job when 20 fire the same key at once', async () => {
      const pipeline = await register();
      const results = (
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => fire(pipeline.id, { dedupeKey: 'schedule:tick', now: at(i) })),
        )
      ).map(recorded);
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
      const ids = new Set(results.map((result) => result.record.id));
      expect(ids.size).toBe(1);
      const records = await recordsOf(pipeline.id);
      expect(records).toHaveLength(1);
      expect(records[0]?.outcome).toBe('started');
      const made = await jobsOf(pipeline.id);
      expect(made).toHaveLength(1);
      expect(new Set(results.map((result) => result.job?.id))).toEqual(new Set([made[0]?.id]));
    });
  });

  describe('new data', () => {
    it('fires only when the rows since the last run reach the threshold, with the figures', async () => {
      const pipeline = await register({ triggers: { newData: { minNewRows: 100 } } });
      await sut.recordArrival(pipeline.id, 30, 'orders', at(-30));
      expect(await fire(pipeline.id, { kind: 'new_data', minNewRows: 100 })).toEqual({
        kind: 'below_threshold',
        rowsSinceLastRun: 30,
      });
      expect(await recordsOf(pipeline.id)).toHaveLength(0);
      await sut.recordArrival(pipeline.id, 70, null, at(-20));
      const { record, job } = recorded(
        await fire(pipeline.id, { kind: 'new_data', minNewRows: 100, figures: { source: 'orders' } }),
      );
      expect(record).toMatchObject({
        kind: 'new_data',
        outcome: 'started',
        figures: { source: 'orders', rowsSinceLastRun: 100, minNewRows: 100, highWaterMark: null },
      });
      expect(job).toMatchObject({ trigger: 'new_data', dataHighWater: T0 });
      expect(await sut.newData(pipeline.id)).toEqual({ rows: 0, highWaterMark: T0 });

      // The next crossing counts only rows after the mark, and is suppressed while the run goes on.
      await sut.recordArrival(pipeline.id, 150, null, at(10));
      const suppressed = recorded(
        await fire(pipeline.id, { kind: 'new_data', minNewRows: 100, now: at(20) }),
      );
      expect(suppressed.record).toMatchObject({
        reason: 'run_in_progress',
        figures: { rowsSinceLastRun: 150, minNewRows: 100, highWaterMark: T0.toISOString() },
      });
      await finish(job?.id ?? '', 'succeeded', at(30));
      const next = recorded(await fire(pipeline.id, { kind: 'new_data', minNewRows: 100, now: at(40) }));
      expect(next.record).toMatchObject({ outcome: 'started', figures: { rowsSinceLastRun: 150 } });
      expect(next.job?.dataHighWater).toEqual(at(40));
    });

    it.each([
      [
        'the rows are all before the run’s mark: the others no longer reach the threshold',
        -60,
        'below_threshold',
      ],
      ['the rows are after the run’s mark: the others find it in progress', 60, 'run_in_progress'],
    ] as const)(
      'starts exactly one run when 20 fire over the threshold at once; %s',
      async (_, arrival, others) => {
        const pipeline = await register({ triggers: { newData: { minNewRows: 50 } } });
        await sut.recordArrival(pipeline.id, 80, null, at(arrival));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            fire(pipeline.id, { kind: 'new_data', minNewRows: 50, now: at(i) }),
          ),
        );
        const started = results.filter(
          (result) => result.kind === 'recorded' && result.record.outcome === 'started',
        );
        expect(started).toHaveLength(1);
        const rest = results.filter((result) => !started.includes(result));
        expect(rest).toHaveLength(19);
        for (const result of rest) {
          if (others === 'below_threshold')
            expect(result).toEqual({ kind: 'below_threshold', rowsSinceLastRun: 0 });
          else
            expect(recorded(result).record).toMatchObject({
              outcome: 'suppressed',
              reason: 'run_in_progress',
            });
        }
        expect(await jobsOf(pipeline.id)).toHaveLength(1);
        expect(await recordsOf(pipeline.id)).toHaveLength(others === 'below_threshold' ? 1 : 20);
      },
    );

    it('starts exactly one run when 20 schedule ticks fire at once', async () => {
      const pipeline = await register();
      const results = (
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => fire(pipeline.id, { dedupeKey: `schedule:${i}`, now: at(i) })),
        )
      ).map(recorded);
      expect(results.filter((result) => result.record.outcome === 'started')).toHaveLength(1);
      expect(results.filter((result) => result.record.reason === 'run_in_progress')).toHaveLength(19);
      expect(await recordsOf(pipeline.id)).toHaveLength(20);
      expect(await jobsOf(pipeline.id)).toHaveLength(1);
    });
  });

  describe('quota races', () => {
    it('lets exactly one of 10 concurrent submissions of a team in with one place', async () => {
      const team = unique('team');
      const results = await Promise.all(
        Array.from({ length: 10 }, () => jobs.createWithinQuota(team, directJob, null, ONE)),
      );
      expect(results.filter((result) => 'job' in result && result.created)).toHaveLength(1);
      for (const result of results.filter((result) => 'refused' in result))
        expect(result).toEqual({ refused: { queued: 1, running: 0, limit: 1, full: true } });
      expect(await database.dataSource.getRepository(JobEntity).countBy({ team })).toBe(1);
    });

    it('counts each team on its own: one place each for two teams racing together', async () => {
      const teams = [unique('team'), unique('team')];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const team = teams[i % 2] ?? '';
          return jobs.createWithinQuota(team, directJob, null, ONE).then((result) => ({ team, result }));
        }),
      );
      for (const team of teams) {
        const created = results.filter((row) => row.team === team && 'job' in row.result);
        expect(created).toHaveLength(1);
        expect(await database.dataSource.getRepository(JobEntity).countBy({ team })).toBe(1);
      }
    });

    it('shares the place between submissions and firings of the team’s pipelines', async () => {
      const team = unique('team');
      const registered = await Promise.all([1, 2, 3].map(() => register({}, team)));
      const racers: Promise<boolean>[] = [];
      for (let i = 0; i < 12; i++) {
        const pipeline = registered[i % 3];
        if (i % 4 === 0)
          racers.push(jobs.createWithinQuota(team, directJob, null, ONE).then((result) => 'job' in result));
        else
          racers.push(
            fire(pipeline?.id ?? '', { kind: i % 2 ? 'manual' : 'schedule', quota: ONE }).then(
              (result) => result.kind === 'recorded' && result.job !== null,
            ),
          );
      }
      expect((await Promise.all(racers)).filter(Boolean)).toHaveLength(1);
      expect(await database.dataSource.getRepository(JobEntity).countBy({ team })).toBe(1);
    });

    it('answers a reused idempotency key with its first job, however full the team is', async () => {
      const team = unique('team');
      const keyed = { ...directJob, idempotencyKey: 'nightly' };
      const first = await jobs.createWithinQuota(team, keyed, null, ONE);
      expect(first).toMatchObject({ created: true });
      expect(await jobs.createWithinQuota(team, directJob, null, ONE)).toMatchObject({
        refused: { full: true },
      });
      const again = await jobs.createWithinQuota(team, keyed, null, ONE);
      expect(again).toMatchObject({ created: false, job: { id: 'job' in first ? first.job.id : '' } });
    });
  });

  describe('records', () => {
    it('pages newest first', async () => {
      const pipeline = await register({ enabled: false });
      for (let i = 0; i < 5; i++) await fire(pipeline.id, { now: at(i) });
      const first = await sut.records(pipeline.id, { limit: 3 });
      expect(first.map((row) => row.firedAt)).toEqual([at(4), at(3), at(2)]);
      const last = first.at(-1);
      const rest = await sut.records(pipeline.id, {
        limit: 3,
        cursor: { firedAt: last?.firedAt ?? T0, id: last?.id ?? '' },
      });
      expect(rest.map((row) => row.firedAt)).toEqual([at(1), at(0)]);
    });
  });
});
