import { JobLifecycle } from '../src/lifecycle/job-lifecycle.js';
import { newDataCount } from '../src/pipelines/new-data.js';
import { PipelineStatus } from '../src/pipelines/pipeline-status.js';
import { PipelineTriggers } from '../src/pipelines/pipeline-triggers.js';
import { PipelineStore } from '../src/store/pipeline-store.js';
import { migratedDatabase } from './database.js';
import { definition, unique } from './pipeline-fixtures.js';

const QUOTA = { maxRunning: 100, maxQueued: 100 };
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('new data and pipeline status (real Postgres)', () => {
  const database = migratedDatabase();
  let pipelines: PipelineStore;
  let triggers: PipelineTriggers;
  let lifecycle: JobLifecycle;

  beforeAll(async () => {
    pipelines = new PipelineStore(database.dataSource);
    triggers = new PipelineTriggers(database.dataSource);
    lifecycle = new JobLifecycle(database.dataSource);
  });

  const register = async () => {
    const created = await pipelines.create(unique('team'), definition(unique('p')), null);
    if (!created) throw new Error('pipeline exists already');
    return created.pipeline;
  };
  /** A manual run fired at `now`: its high-water mark is `now`. */
  const run = async (pipelineId: string, now: Date) => {
    const result = await triggers.fire({ pipelineId, kind: 'manual', quota: QUOTA, now });
    if (result.kind !== 'recorded' || !result.job) throw new Error(`no run: ${JSON.stringify(result)}`);
    return result.job.id;
  };
  const move = async (id: string, to: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'queued') => {
    const moved = await lifecycle.move(id, {
      to,
      from: ['queued', 'running', 'failed', 'cancelled'],
      ...(to === 'running' ? { startAttempt: { worker: 'w' } } : {}),
      ...(to === 'queued' ? { patch: { finishedAt: null } } : { patch: { finishedAt: new Date() } }),
    });
    if (!moved) throw new Error(`job ${id} did not move to ${to}`);
  };

  describe('newDataCount', () => {
    it('counts every arrival before the first run', async () => {
      const pipeline = await register();
      const sut = () => newDataCount(database.dataSource.manager, pipeline.id);
      expect(await sut()).toEqual({ rows: 0, highWaterMark: null });
      await triggers.recordArrival(pipeline.id, 10, 'orders', at(-30));
      await triggers.recordArrival(pipeline.id, 20, null, at(-20));
      await triggers.recordArrival(pipeline.id, 3_000_000_000, null, at(-10));
      expect(await sut()).toEqual({ rows: 3_000_000_030, highWaterMark: null });
    });

    it('moves the mark with a queued, running or succeeded run, and not with a failed or cancelled one', async () => {
      const pipeline = await register();
      const sut = () => newDataCount(database.dataSource.manager, pipeline.id);
      await triggers.recordArrival(pipeline.id, 100, null, at(-10));

      const first = await run(pipeline.id, T0);
      expect(await sut()).toEqual({ rows: 0, highWaterMark: T0 });
      // Rows at the mark itself were read by the run (it reads up to and including `until`).
      await triggers.recordArrival(pipeline.id, 5, null, T0);
      await triggers.recordArrival(pipeline.id, 7, null, at(10));
      expect(await sut()).toEqual({ rows: 7, highWaterMark: T0 });
      await move(first, 'running');
      expect(await sut()).toEqual({ rows: 7, highWaterMark: T0 });
      await move(first, 'succeeded');
      expect(await sut()).toEqual({ rows: 7, highWaterMark: T0 });

      // A cancelled run gives its rows back.
      const cancelled = await run(pipeline.id, at(20));
      await triggers.recordArrival(pipeline.id, 3, null, at(30));
      expect(await sut()).toEqual({ rows: 3, highWaterMark: at(20) });
      await move(cancelled, 'cancelled');
      expect(await sut()).toEqual({ rows: 10, highWaterMark: T0 });

      // So does a failed one, until it is retried.
      const failed = await run(pipeline.id, at(40));
      await move(failed, 'running');
      expect(await sut()).toEqual({ rows: 0, highWaterMark: at(40) });
      await move(failed, 'failed');
      expect(await sut()).toEqual({ rows: 10, highWaterMark: T0 });
      await move(failed, 'queued');
      expect(await sut()).toEqual({ rows: 0, highWaterMark: at(40) });

      // The latest mark wins, whatever order the runs were made in.
      const older = await run(pipeline.id, at(35));
      expect(await sut()).toEqual({ rows: 0, highWaterMark: at(40) });
      await move(failed, 'cancelled');
      expect(await sut()).toEqual({ rows: 0, highWaterMark: at(35) });
      await move(older, 'cancelled');
      expect(await triggers.newData(pipeline.id)).toEqual({ rows: 10, highWaterMark: T0 });
    });

    it('counts only the pipeline’s own arrivals against its own runs', async () => {
      const [a, b] = [await register(), await register()];
      await triggers.recordArrival(a.id, 4, null, at(-5));
      await triggers.recordArrival(b.id, 6, null, at(-5));
      await run(b.id, T0);
      await triggers.recordArrival(b.id, 1, null, at(5));
      expect(await newDataCount(database.dataSource.manager, a.id)).toEqual({ rows: 4, highWaterMark: null });
      expect(await newDataCount(database.dataSource.manager, b.id)).toEqual({ rows: 1, highWaterMark: T0 });
    });
  });

  describe('PipelineStatus', () => {
    it('gives each pipeline its newest run, its newest trigger record and its new-data count', async () => {
      const [a, b, idle] = [await register(), await register(), await register()];
      await run(a.id, T0);
      // Suppressed (a run is queued), and the newest record by its time; it also keeps the two runs'
      // creation (Postgres' clock, in ms) apart.
      await triggers.fire({ pipelineId: a.id, kind: 'schedule', quota: QUOTA, now: at(20) });
      const newest = await run(a.id, at(10));
      const onlyRun = await run(b.id, at(5));
      await triggers.recordArrival(a.id, 9, null, at(30));
      const sut = new PipelineStatus(database.dataSource);
      const ids = [a.id, b.id, idle.id];

      const runs = await sut.lastRuns(ids);
      expect([...runs.keys()].sort()).toEqual([a.id, b.id].sort());
      expect(runs.get(a.id)?.id).toBe(newest);
      expect(runs.get(b.id)?.id).toBe(onlyRun);

      const records = await sut.lastTriggers(ids);
      expect([...records.keys()].sort()).toEqual([a.id, b.id].sort());
      expect(records.get(a.id)).toMatchObject({
        firedAt: at(20),
        outcome: 'suppressed',
        reason: 'run_in_progress',
      });
      expect(records.get(b.id)).toMatchObject({ firedAt: at(5), outcome: 'started', jobId: onlyRun });

      const counts = await sut.newData(ids);
      expect(counts.get(a.id)).toEqual({ rows: 9, highWaterMark: at(10) });
      expect(counts.get(b.id)).toEqual({ rows: 0, highWaterMark: at(5) });
      expect(counts.get(idle.id)).toEqual({ rows: 0, highWaterMark: null });

      expect(await sut.lastRuns([])).toEqual(new Map());
      expect(await sut.lastTriggers([])).toEqual(new Map());
      expect(await sut.lastRuns([idle.id])).toEqual(new Map());
    });
  });
});
