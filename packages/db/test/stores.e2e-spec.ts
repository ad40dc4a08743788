import { type SubmitJob, submitJobSchema } from '@ct/shared';
import { JobEntity } from '../src/entities/job.entity.js';
import { JobAttemptEntity } from '../src/entities/job-attempt.entity.js';
import { JobLifecycle } from '../src/lifecycle/job-lifecycle.js';
import { InvalidCursorError } from '../src/store/cursor.js';
import { EventStore } from '../src/store/event-store.js';
import { JobStore } from '../src/store/job-store.js';
import { LogStore } from '../src/store/log-store.js';
import { ModelDecisionStore } from '../src/store/model-decision-store.js';
import { migratedDatabase } from './database.js';

const submission = (extra: Partial<Record<string, unknown>> = {}): SubmitJob =>
  submitJobSchema.parse({
    spec: {
      pipeline: 'diabetes-lgbm',
      task: 'regression',
      data: { source: 'sklearn', name: 'diabetes' },
      model: { estimator: 'lightgbm.LGBMRegressor', params: {} },
    },
    ...extra,
  });

describe('stores (real Postgres)', () => {
  const database = migratedDatabase();
  let jobs: JobStore;

  beforeAll(async () => {
    jobs = new JobStore(database.dataSource);
  });

  describe('JobStore', () => {
    it('creates a queued job with the submission', async () => {
      const { job, created } = await jobs.create('team-a', submission({ tags: { owner: 'ana' } }));
      expect(created).toBe(true);
      expect(job).toMatchObject({ team: 'team-a', state: 'queued', pipeline: 'diabetes-lgbm', attempts: 0 });
      expect(job.tags).toEqual({ owner: 'ana' });
    });

    it('returns the first job for a repeated idempotency key, per team', async () => {
      const first = await jobs.create('team-a', submission({ idempotencyKey: 'nightly-1' }));
      const again = await Promise.all(
        [1, 2, 3].map(() => jobs.create('team-a', submission({ idempotencyKey: 'nightly-1' }))),
      );
      const otherTeam = await jobs.create('team-b', submission({ idempotencyKey: 'nightly-1' }));
      expect(again.map((result) => [result.job.id, result.created])).toEqual([
        [first.job.id, false],
        [first.job.id, false],
        [first.job.id, false],
      ]);
      expect(otherTeam.created).toBe(true);
      expect(otherTeam.job.id).not.toBe(first.job.id);
    });

    it('hides another team’s job', async () => {
      const { job } = await jobs.create('team-a', submission());
      expect(await jobs.get(job.id, 'team-b')).toBeNull();
      expect((await jobs.get(job.id, 'team-a'))?.id).toBe(job.id);
      expect((await jobs.get(job.id, null))?.id).toBe(job.id);
    });

    it('pages through a team’s jobs newest first, each exactly once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await jobs.create('team-pages', submission())).job.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await jobs.list('team-pages', { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((job) => job.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('refuses a cursor whose id is not a UUID before Postgres sees it', async () => {
      const cursor = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', '-'.repeat(36)])).toString(
        'base64url',
      );
      await expect(jobs.list('team-pages', { limit: 3, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('reads jobs and attempts with raw SQL exactly as TypeORM loads them, column by column', async () => {
      const { job } = await jobs
        .createWithinQuota(
          'team-raw',
          submission({ tags: { owner: 'ana' }, params: { alpha: 0.5 }, idempotencyKey: 'raw-1' }),
          null,
          { maxRunning: 5, maxQueued: 5 },
        )
        .then((outcome) => {
          if (!('job' in outcome)) throw new Error('the submission was not stored');
          return outcome;
        });
      const repository = database.dataSource.getRepository(JobEntity);
      // The submission's answer: the columns its statement returns, and those it sent as JSON.
      expect(job).toEqual(await repository.findOneByOrFail({ id: job.id }));
      const lifecycle = new JobLifecycle(database.dataSource);
      await lifecycle.move(job.id, { to: 'running', from: ['queued'], startAttempt: { worker: 'w1' } });
      await jobs.patch(job.id, {
        progressStep: 'training',
        progressFraction: 0.25,
        mlflowRunId: 'run-1',
        metrics: { rmse: 1.5 },
        modelUri: 'models:/m-1',
        decision: null,
      });
      await lifecycle.move(job.id, {
        to: 'failed',
        from: ['running'],
        endAttempt: { outcome: 'failed', failureReason: 'training_error', message: 'boom' },
        patch: { failureReason: 'training_error', failureMessage: 'boom' },
      });

      const loaded = await repository.findOneByOrFail({ id: job.id });
      const { items } = await jobs.list('team-raw', { limit: 10 });
      const attempts = await database.dataSource.getRepository(JobAttemptEntity).findBy({ jobId: job.id });

      expect(items).toEqual([loaded]);
      expect(items[0]).toMatchObject({ state: 'failed', failureMessage: 'boom', progressFraction: 0.25 });
      expect(items[0]?.createdAt).toBeInstanceOf(Date);
      expect(attempts).toHaveLength(1);
      expect((await jobs.attemptsOfJobs(items)).get(job.id)).toEqual(attempts);
    });

    it('filters by state', async () => {
      const { job } = await jobs.create('team-filter', submission());
      await jobs.create('team-filter', submission());
      await new JobLifecycle(database.dataSource).move(job.id, { to: 'cancelled', from: ['queued'] });
      const page = await jobs.list('team-filter', { limit: 50, state: 'cancelled' });
      expect(page.items.map((row) => row.id)).toEqual([job.id]);
    });
  });

  describe('EventStore', () => {
    it('replays events in order after any id', async () => {
      const { job } = await jobs.create('team-a', submission());
      const events = new EventStore(database.dataSource);
      const first = await events.append(job.id, 1, { type: 'step.started', step: 'extraction' });
      await events.append(job.id, 1, { type: 'metric', key: 'rmse', value: 52.1 });
      const all = await events.after(job.id);
      expect(all.map((event) => event.type)).toEqual(['step.started', 'metric']);
      expect(all[1]).toMatchObject({ jobId: job.id, attempt: 1, key: 'rmse', value: 52.1 });
      expect((await events.after(job.id, first.id)).map((event) => event.type)).toEqual(['metric']);
    });
  });

  describe('LogStore', () => {
    it('keeps byte offsets, serves offset and tail reads, and drops output past the cap', async () => {
      const { job } = await jobs.create('team-a', submission());
      await new JobLifecycle(database.dataSource).move(job.id, {
        to: 'running',
        from: ['queued'],
        startAttempt: { worker: 'w' },
      });
      const logs = new LogStore(database.dataSource, 20);
      expect(await logs.append(job.id, 1, 'stdout', 'héllo\n')).toBe('stored'); // 7 bytes
      expect(await logs.append(job.id, 1, 'stderr', 'warning!\n')).toBe('stored'); // 9 bytes
      expect(await logs.append(job.id, 1, 'stdout', 'this does not fit\n')).toBe('truncated');
      expect(await logs.append(job.id, 2, 'stdout', 'x\n')).toBe('stale');
      expect(await logs.read(job.id)).toEqual({
        offset: 0,
        nextOffset: 16,
        size: 16,
        truncated: true,
        text: 'héllo\nwarning!\n',
      });
      expect((await logs.read(job.id, { offset: 7 })).text).toBe('warning!\n');
      expect((await logs.read(job.id, { tail: 3 })).text).toBe('warning!\n');
      expect((await logs.read(job.id, { offset: 16 })).text).toBe('');
    });
  });

  describe('ModelDecisionStore', () => {
    it('keeps a model’s decisions in order, with the submitting key on the job', async () => {
      const sut = new ModelDecisionStore(database.dataSource);
      const keyId = '00000000-0000-4000-8000-00000000000a';
      const { job } = await jobs.create('team-a', submission(), keyId);
      expect(job.submittedBy).toBe(keyId);
      const decision = { registeredModel: 'team-a.m', team: 'team-a', jobId: job.id, reason: null };
      await sut.record(
        { ...decision, version: '1', action: 'registered', actor: 'pipeline' },
        { ...decision, version: '1', action: 'auto_promoted', actor: 'pipeline' },
      );
      await sut.record({ ...decision, version: '1', action: 'approved', actor: keyId, jobId: null });
      await sut.record({
        ...decision,
        registeredModel: 'team-a.other',
        version: '1',
        action: 'registered',
        actor: 'pipeline',
      });
      const listed = await sut.list('team-a.m');
      expect(listed.map((row) => [row.version, row.action, row.actor])).toEqual([
        ['1', 'registered', 'pipeline'],
        ['1', 'auto_promoted', 'pipeline'],
        ['1', 'approved', keyId],
      ]);
    });
  });
});
