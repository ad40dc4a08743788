import { type SubmitJob, submitJobSchema } from '@ct/shared';
import { JobLifecycle, type JobMoved } from '../src/lifecycle/job-lifecycle.js';
import { EventStore } from '../src/store/event-store.js';
import { JobStore } from '../src/store/job-store.js';
import { ModelLockStore } from '../src/store/model-lock-store.js';
import { PendingRunEndStore } from '../src/store/pending-run-end-store.js';
import { migratedDatabase } from './database.js';

const submission: SubmitJob = submitJobSchema.parse({
  spec: {
    pipeline: 'p',
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'lightgbm.LGBMRegressor', params: {} },
  },
});

describe('JobLifecycle and model leases (real Postgres)', () => {
  const database = migratedDatabase();
  let jobs: JobStore;
  let sut: JobLifecycle;
  const moved: JobMoved[] = [];

  beforeAll(async () => {
    jobs = new JobStore(database.dataSource);
    sut = new JobLifecycle(database.dataSource);
    sut.onMoved((m) => void moved.push(m));
  });

  const running = async () => {
    const { job } = await jobs.create('team-a', submission);
    await sut.move(job.id, { to: 'running', from: ['queued'], startAttempt: { worker: 'w1' } });
    return job.id;
  };

  it('starts an attempt: attempts + 1, its row, a state event, then tells the listeners', async () => {
    const id = await running();
    const job = await jobs.get(id);
    expect(job).toMatchObject({ state: 'running', attempts: 1 });
    expect(await jobs.attempt(id, 1)).toMatchObject({ worker: 'w1', outcome: 'running' });
    const events = await new EventStore(database.dataSource).after(id);
    expect(events.map((e) => [e.type, e.attempt, (e as { state?: string }).state])).toEqual([
      ['state', 1, 'running'],
    ]);
    expect(moved.at(-1)).toMatchObject({ from: 'queued', job: { id, state: 'running' } });
  });

  it('lets exactly one of two racing moves from the same state win', async () => {
    const { job } = await jobs.create('team-a', submission);
    const results = await Promise.all([
      sut.move(job.id, { to: 'running', from: ['queued'], startAttempt: { worker: 'w' } }),
      sut.move(job.id, { to: 'cancelled', from: ['queued'] }),
    ]);
    expect(results.filter((row) => row !== null)).toHaveLength(1);
    expect(await new EventStore(database.dataSource).after(job.id)).toHaveLength(1);
  });

  it('fences by attempt: a stale attempt can neither move the job nor write to it', async () => {
    const id = await running();
    // The attempt is taken over: requeued and started again as attempt 2.
    await sut.move(id, {
      to: 'queued',
      from: ['running'],
      attempt: 1,
      endAttempt: { outcome: 'failed', failureReason: 'infrastructure', message: 'worker lost' },
    });
    await sut.move(id, { to: 'running', from: ['queued'], startAttempt: { worker: 'w2' } });
    expect(await sut.move(id, { to: 'succeeded', from: ['running'], attempt: 1 })).toBeNull();
    expect(await jobs.patchAttempt(id, 1, { progressFraction: 0.9 })).toBe(false);
    expect(await jobs.heartbeat(id, 1)).toBe(false);
    const events = new EventStore(database.dataSource);
    expect(await events.appendFenced(id, 1, { type: 'step.started', step: 'training' })).toBeNull();
    expect(await events.appendFenced(id, 2, { type: 'step.started', step: 'training' })).not.toBeNull();
    expect(await jobs.heartbeat(id, 2)).toBe(true);
    expect(await sut.move(id, { to: 'succeeded', from: ['running'], attempt: 2 })).not.toBeNull();
    expect((await jobs.attempt(id, 1))?.outcome).toBe('failed');
    expect(await jobs.get(id)).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('stores the run end with the move, in the same transaction', async () => {
    const id = await running();
    await sut.move(id, {
      to: 'failed',
      from: ['running'],
      attempt: 1,
      runEnd: { runId: `run-${id}`, status: 'FAILED' },
    });
    const due = await new PendingRunEndStore(database.dataSource).due(1000);
    expect(due.find((end) => end.runId === `run-${id}`)).toMatchObject({ jobId: id, attempt: 1 });
  });

  it('refuses what the state machine forbids', async () => {
    const id = await running();
    await sut.move(id, { to: 'succeeded', from: ['running'] });
    expect(await sut.move(id, { to: 'running', from: ['succeeded'] })).toBeNull();
    expect((await jobs.get(id))?.state).toBe('succeeded');
  });

  it('has one holder at a time; an expired lease passes on; a lost lease cannot be renewed', async () => {
    const sut = new ModelLockStore(database.dataSource);
    const racers = await Promise.all(
      ['a', 'b', 'c', 'd'].map((holder) => sut.acquire('t.m', holder, null, 60_000)),
    );
    expect(racers.filter(Boolean)).toHaveLength(1);
    const winner = ['a', 'b', 'c', 'd'][racers.indexOf(true)] as string;
    expect(await sut.acquire('t.m', winner, null, 60_000)).toBe(true);
    expect((await sut.current('t.m'))?.holder).toBe(winner);
    await sut.release('t.m', winner);
    expect(await sut.acquire('t.m', 'short', null, 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await sut.acquire('t.m', 'next', null, 60_000)).toBe(true);
    expect(await sut.renew('t.m', 'short', 60_000)).toBe(false);
    expect(await sut.renew('t.m', 'next', 60_000)).toBe(true);
  });
});
