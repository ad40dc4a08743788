import { type SubmitJob, submitJobSchema } from '@ct/shared';
import { EventStore } from '../src/store/event-store.js';
import { JobStore } from '../src/store/job-store.js';
import { insertWithinQuota } from '../src/store/job-submission.js';
import { migratedDatabase } from './database.js';

const submission = (extra: Partial<Record<string, unknown>> = {}): SubmitJob =>
  submitJobSchema.parse({
    spec: {
      pipeline: 'diabetes-ridge',
      task: 'regression',
      data: { source: 'sklearn', name: 'diabetes' },
      model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 0.5 } },
    },
    ...extra,
  });

const quota100 = { maxRunning: 100, maxQueued: 0 };

describe('JobStore.createWithinQuota, one statement (real Postgres)', () => {
  const database = migratedDatabase();
  let sut: JobStore;

  beforeAll(async () => {
    sut = new JobStore(database.dataSource);
  });

  it('answers the stored row as reading it back does, with its first state event', async () => {
    const stored = await sut.createWithinQuota(
      'team-row',
      submission({ priority: 3, tags: { owner: 'ana' }, params: { alpha: 2 }, idempotencyKey: 'k-1' }),
      null,
      { maxRunning: 1, maxQueued: 1 },
    );
    if (!('job' in stored)) throw new Error('refused');
    expect(stored.created).toBe(true);
    expect(stored.job).toEqual(await sut.get(stored.job.id));
    const events = await new EventStore(database.dataSource).after(stored.job.id);
    expect(events).toEqual([
      expect.objectContaining({ type: 'state', state: 'queued', attempt: 0, message: 'submitted' }),
    ]);
  });

  it('admits exactly the quota of concurrent submissions, each with one event', async () => {
    const quota = { maxRunning: 2, maxQueued: 3 };
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => sut.createWithinQuota('team-race', submission(), null, quota)),
    );
    const created = outcomes.flatMap((o) => ('job' in o && o.created ? [o.job.id] : []));
    const refused = outcomes.filter((o) => 'refused' in o);
    expect([created.length, refused.length]).toEqual([5, 15]);
    const [{ events }] = await database.dataSource.query(
      'SELECT count(*)::int AS events FROM job_events WHERE job_id = ANY($1::uuid[])',
      [created],
    );
    expect(events).toBe(5);
  });

  it('answers a reused idempotency key with the first job, however full the team, even one stored without the lock', async () => {
    const first = await sut.create('team-key', submission({ idempotencyKey: 'nightly' }));
    const full = { maxRunning: 1, maxQueued: 0 };
    const again = await sut.createWithinQuota(
      'team-key',
      submission({ idempotencyKey: 'nightly' }),
      null,
      full,
    );
    expect(again).toEqual({ job: first.job, created: false });
    const refused = await sut.createWithinQuota('team-key', submission(), null, full);
    expect(refused).toEqual({ refused: { queued: 1, running: 0, limit: 1, full: true } });
  });

  it('commits asynchronously only its own statement, and refuses to run inside a transaction', async () => {
    await Promise.all(
      Array.from({ length: 8 }, () => sut.createWithinQuota('team-async', submission(), null, quota100)),
    );
    // Every pooled connection is back to synchronous commits once its submission ended.
    const settings = await Promise.all(
      Array.from({ length: 8 }, () => database.dataSource.query('SHOW synchronous_commit')),
    );
    expect(new Set(settings.map(([row]) => row.synchronous_commit))).toEqual(new Set(['on']));
    const { job } = await sut.create('team-async', submission());
    const row = { ...job, id: '00000000-0000-4000-8000-000000000001', idempotencyKey: null };
    await expect(
      database.dataSource.transaction((manager) =>
        insertWithinQuota(manager, row, quota100, {
          type: 'state',
          state: 'queued',
          failureReason: null,
          message: 'submitted',
        }),
      ),
    ).rejects.toThrow('outside any transaction');
    expect(await sut.get(row.id)).toBeNull();
  });
});
