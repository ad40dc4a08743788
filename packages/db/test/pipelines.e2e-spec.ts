import { DataArrivalEntity } from '../src/entities/data-arrival.entity.js';
import { JobEntity } from '../src/entities/job.entity.js';
import { PipelineEntity } from '../src/entities/pipeline.entity.js';
import { PipelineVersionEntity } from '../src/entities/pipeline-version.entity.js';
import { TriggerRecordEntity } from '../src/entities/trigger-record.entity.js';
import { PipelineTriggers } from '../src/pipelines/pipeline-triggers.js';
import { InvalidCursorError } from '../src/store/cursor.js';
import { PipelineStore } from '../src/store/pipeline-store.js';
import { specHash } from '../src/store/pipeline-versions.js';
import { migratedDatabase } from './database.js';
import { definition, pipelineSpec, reversedKeys, unique } from './pipeline-fixtures.js';

const QUOTA = { maxRunning: 100, maxQueued: 100 };
const schedule = { cron: '*/5 * * * *', timezone: 'UTC' };

describe('PipelineStore (real Postgres)', () => {
  const database = migratedDatabase();
  let sut: PipelineStore;

  beforeAll(async () => {
    sut = new PipelineStore(database.dataSource);
  });

  const create = async (team: string, name: string, change: Parameters<typeof definition>[1] = {}) => {
    const created = await sut.create(team, definition(name, change), null);
    if (!created) throw new Error(`pipeline ${team}/${name} exists already`);
    return created;
  };

  describe('create', () => {
    it('stores the pipeline and its version 1 with the spec’s hash', async () => {
      const team = unique('team');
      const by = '00000000-0000-4000-8000-0000000000b1';
      const triggers = { newData: { minNewRows: 100, pollSeconds: 60 } };
      const created = await sut.create(
        team,
        definition('sales', { schedule, triggers, cooldownSeconds: 300, enabled: false }),
        by,
      );
      expect(created?.pipeline).toMatchObject({
        team,
        name: 'sales',
        enabled: false,
        schedule,
        triggers,
        cooldownSeconds: 300,
        latestVersion: 1,
        createdBy: by,
      });
      expect(created?.version).toMatchObject({
        pipelineId: created?.pipeline.id,
        version: 1,
        hash: specHash(pipelineSpec('sales')),
        spec: pipelineSpec('sales'),
        createdBy: by,
      });
      const id = created?.pipeline.id ?? '';
      expect(await sut.get(id)).toMatchObject({ id, team, name: 'sales', schedule, triggers });
      expect(await sut.version(id, 1)).toMatchObject({ version: 1, spec: pipelineSpec('sales') });
    });

    it('answers null for a name the team has, and creates nothing; another team may use the name', async () => {
      const [team, other] = [unique('team'), unique('other')];
      const first = await create(team, 'sales');
      expect(await sut.create(team, definition('sales', { enabled: false }), null)).toBeNull();
      expect(await database.dataSource.getRepository(PipelineEntity).findBy({ team })).toHaveLength(1);
      expect(await sut.get(first.pipeline.id)).toMatchObject({ enabled: true });
      const theirs = await sut.create(other, definition('sales'), null);
      expect(theirs?.pipeline).toMatchObject({ team: other, name: 'sales' });
      expect(theirs?.pipeline.id).not.toBe(first.pipeline.id);
    });

    it('creates one pipeline when several create the same name at once', async () => {
      const team = unique('team');
      const results = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(() => sut.create(team, definition('race'), null)),
      );
      const created = results.filter((result) => result !== null);
      expect(created).toHaveLength(1);
      const id = created[0]?.pipeline.id;
      expect(await database.dataSource.getRepository(PipelineEntity).findBy({ team })).toHaveLength(1);
      expect(
        await database.dataSource.getRepository(PipelineVersionEntity).findBy({ pipelineId: id }),
      ).toHaveLength(1);
    });
  });

  describe('find', () => {
    it('finds by id within the team (any team with null) and by name within the naming team', async () => {
      const [team, other] = [unique('team'), unique('other')];
      const { pipeline } = await create(team, 'churn');
      const { pipeline: theirs } = await create(other, 'churn');
      expect((await sut.find(pipeline.id, team, team))?.id).toBe(pipeline.id);
      expect(await sut.find(pipeline.id, other, other)).toBeNull();
      expect((await sut.find(pipeline.id, null, other))?.id).toBe(pipeline.id);
      expect((await sut.find('churn', team, team))?.id).toBe(pipeline.id);
      expect((await sut.find('churn', other, other))?.id).toBe(theirs.id);
      expect((await sut.find('churn', null, team))?.id).toBe(pipeline.id);
      expect(await sut.find('churn', team, unique('nobody'))).toBeNull();
      expect(await sut.find('missing', team, team)).toBeNull();
      expect(await sut.find('00000000-0000-4000-8000-000000000000', null, team)).toBeNull();
    });
  });

  describe('list', () => {
    it('pages through a team’s pipelines by name, each exactly once', async () => {
      const [team, other] = [unique('team'), unique('other')];
      const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
      // Created out of order: the list is by name, not by creation.
      for (const name of [...names].reverse()) await create(team, name);
      await create(other, 'p0');
      const seen: string[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await sut.list(team, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((pipeline) => pipeline.name));
        pages.push(page.items.length);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(names);
      expect(pages).toEqual([3, 3, 1]);
      expect((await sut.list(team, { limit: 7 })).nextCursor).toBeNull();
    });

    it('lists every team’s pipelines for an admin (null team), ordered by name then id', async () => {
      const [team, other] = [unique('team'), unique('other')];
      const a = await create(team, 'zz-shared');
      const b = await create(other, 'zz-shared');
      const all: PipelineEntity[] = [];
      let cursor: string | undefined;
      do {
        const page = await sut.list(null, { limit: 2, ...(cursor ? { cursor } : {}) });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(all).toHaveLength(await database.dataSource.getRepository(PipelineEntity).count());
      expect(new Set(all.map((pipeline) => pipeline.id)).size).toBe(all.length);
      const shared = all.filter((pipeline) => pipeline.name === 'zz-shared').map((pipeline) => pipeline.id);
      expect(shared).toEqual([a.pipeline.id, b.pipeline.id].sort());
    });

    it.each([
      ['garbage', 'not a cursor'],
      ['a job cursor', Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'x'])).toString('base64url')],
      ['a cursor whose id is not a UUID', Buffer.from(JSON.stringify(['p1', 'p2'])).toString('base64url')],
      ['a cursor of numbers', Buffer.from(JSON.stringify([1, 2])).toString('base64url')],
      ['a cursor that is not an array', Buffer.from(JSON.stringify({ a: 1 })).toString('base64url')],
    ])('refuses %s with InvalidCursorError', async (_, cursor) => {
      await expect(sut.list('team', { limit: 3, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('update', () => {
    it('makes a new version only when the spec’s hash changes', async () => {
      const team = unique('team');
      const { pipeline, version } = await create(team, 'sales');
      const by = '00000000-0000-4000-8000-0000000000b2';

      // The same spec with its keys in another order: no new version, the other fields still change.
      const same = reversedKeys(pipelineSpec('sales'));
      expect(Object.keys(same)).not.toEqual(Object.keys(pipelineSpec('sales')));
      const unchanged = await sut.update(pipeline.id, { spec: same, cooldownSeconds: 60, schedule }, by);
      expect(unchanged?.version).toMatchObject({ version: 1, hash: version.hash });
      expect(unchanged?.pipeline).toMatchObject({ latestVersion: 1, cooldownSeconds: 60, schedule });

      const changed = pipelineSpec('sales', { split: { test_size: 0.3, seed: 42 } });
      const second = await sut.update(pipeline.id, { spec: changed }, by);
      expect(second?.version).toMatchObject({
        version: 2,
        hash: specHash(changed),
        spec: changed,
        createdBy: by,
      });
      expect(second?.pipeline).toMatchObject({ latestVersion: 2, cooldownSeconds: 60, schedule });

      // Without a spec, or with the latest one again, the version stays.
      const third = await sut.update(pipeline.id, { enabled: false, schedule: null, triggers: {} }, by);
      expect(third?.version.version).toBe(2);
      expect((await sut.update(pipeline.id, { spec: changed }, by))?.version.version).toBe(2);
      // Back to version 1's spec: a new version 3, versions are never reused.
      expect((await sut.update(pipeline.id, { spec: pipelineSpec('sales') }, by))?.version).toMatchObject({
        version: 3,
        hash: version.hash,
      });

      expect(await sut.get(pipeline.id)).toMatchObject({
        latestVersion: 3,
        enabled: false,
        schedule: null,
        triggers: {},
        cooldownSeconds: 60,
      });
      expect((await sut.versions(pipeline.id)).map((row) => [row.version, row.hash])).toEqual([
        [3, version.hash],
        [2, specHash(changed)],
        [1, version.hash],
      ]);
      expect((await sut.version(pipeline.id, 1))?.spec).toEqual(pipelineSpec('sales'));
      expect((await sut.version(pipeline.id, 2))?.spec).toEqual(changed);
      expect(await sut.versions(pipeline.id, 1)).toHaveLength(1);
    });

    it('numbers concurrent spec changes one after another, without a gap or a clash', async () => {
      const { pipeline } = await create(unique('team'), 'sales');
      const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
      const results = await Promise.all(
        seeds.map((seed) =>
          sut.update(pipeline.id, { spec: pipelineSpec('sales', { split: { test_size: 0.2, seed } }) }, null),
        ),
      );
      expect(results.map((result) => result?.version.version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
        2, 3, 4, 5, 6, 7, 8, 9,
      ]);
      expect((await sut.get(pipeline.id))?.latestVersion).toBe(9);
    });

    it('answers null for a pipeline that is not there', async () => {
      expect(await sut.update('00000000-0000-4000-8000-000000000000', { enabled: false }, null)).toBeNull();
    });
  });

  describe('delete', () => {
    it('takes the versions, trigger records and arrivals with it, and leaves the jobs', async () => {
      const team = unique('team');
      const { pipeline } = await create(team, 'sales');
      const { pipeline: kept } = await create(team, 'kept');
      await sut.update(
        pipeline.id,
        { spec: pipelineSpec('sales', { split: { test_size: 0.3, seed: 1 } }) },
        null,
      );
      const triggers = new PipelineTriggers(database.dataSource);
      await triggers.recordArrival(pipeline.id, 10, 'orders', new Date());
      await triggers.recordArrival(kept.id, 10, 'orders', new Date());
      const fired = await triggers.fire({ pipelineId: pipeline.id, kind: 'manual', quota: QUOTA });
      await triggers.fire({ pipelineId: kept.id, kind: 'manual', quota: QUOTA });
      const jobId = fired.kind === 'recorded' ? fired.job?.id : undefined;
      expect(jobId).toBeDefined();

      expect(await sut.delete(pipeline.id)).toBe(true);

      const count =
        (entity: typeof PipelineVersionEntity | typeof TriggerRecordEntity | typeof DataArrivalEntity) =>
        (pipelineId: string) =>
          database.dataSource.getRepository(entity).countBy({ pipelineId });
      for (const entity of [PipelineVersionEntity, TriggerRecordEntity, DataArrivalEntity]) {
        expect(await count(entity)(pipeline.id)).toBe(0);
        expect(await count(entity)(kept.id)).toBeGreaterThan(0);
      }
      expect(await sut.get(pipeline.id)).toBeNull();
      expect(await sut.get(kept.id)).not.toBeNull();
      expect(await database.dataSource.getRepository(JobEntity).findOneBy({ id: jobId })).toMatchObject({
        pipelineId: pipeline.id,
        pipelineVersion: 2,
      });
      expect(await sut.delete(pipeline.id)).toBe(false);
      // The name is free again.
      expect(await sut.create(team, definition('sales'), null)).not.toBeNull();
    });
  });

  describe('scheduled, polled and latestVersions', () => {
    it('holds every enabled pipeline with a schedule, and no other', async () => {
      const team = unique('team');
      const hourly = { cron: '0 * * * *', timezone: 'Europe/Paris' };
      const a = await create(team, 'scheduled', { schedule: hourly });
      const b = await create(team, 'disabled', { schedule, enabled: false });
      const c = await create(team, 'unscheduled');
      const d = await create(team, 'disabled-later', { schedule });
      await sut.update(d.pipeline.id, { enabled: false }, null);
      const e = await create(team, 'scheduled-later');
      await sut.update(e.pipeline.id, { schedule }, null);

      const f = await create(team, 'unscheduled-later', { schedule });
      await sut.update(f.pipeline.id, { schedule: null }, null);

      const mine = new Set([a, b, c, d, e, f].map((created) => created.pipeline.id));
      const scheduled = (await sut.scheduled()).filter((row) => mine.has(row.id));
      expect(scheduled.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
        [
          { id: a.pipeline.id, schedule: hourly },
          { id: e.pipeline.id, schedule },
        ].sort((x, y) => x.id.localeCompare(y.id)),
      );
    });

    it('polls the enabled pipelines whose new-data trigger has a poll interval', async () => {
      const team = unique('team');
      const polling = { newData: { minNewRows: 10, pollSeconds: 60 } };
      const a = await create(team, 'polled', { triggers: polling });
      const b = await create(team, 'arrivals-only', { triggers: { newData: { minNewRows: 10 } } });
      const c = await create(team, 'disabled', { triggers: polling, enabled: false });
      const mine = [a, b, c].map((created) => created.pipeline.id);
      expect((await sut.polled()).filter((row) => mine.includes(row.id)).map((row) => row.id)).toEqual([
        a.pipeline.id,
      ]);
      expect((await sut.polled([b.pipeline.id, c.pipeline.id])).map((row) => row.id)).toEqual([]);
      expect((await sut.polled([a.pipeline.id])).map((row) => row.id)).toEqual([a.pipeline.id]);
    });

    it('gives the latest version of each pipeline', async () => {
      const team = unique('team');
      const a = await create(team, 'a');
      const b = await create(team, 'b');
      const changed = pipelineSpec('b', { split: { test_size: 0.4, seed: 3 } });
      await sut.update(b.pipeline.id, { spec: changed }, null);
      const pipelines = await Promise.all([a, b].map(async (created) => sut.get(created.pipeline.id)));
      const latest = await sut.latestVersions(pipelines.filter((row) => row !== null));
      expect(latest.size).toBe(2);
      expect(latest.get(a.pipeline.id)).toMatchObject({ version: 1, spec: pipelineSpec('a') });
      expect(latest.get(b.pipeline.id)).toMatchObject({ version: 2, spec: changed, hash: specHash(changed) });
      expect(await sut.latestVersions([])).toEqual(new Map());
    });
  });
});
