import { EventStore, PendingRunEndEntity } from '@ct/db';
import { QueueName, type SubmitJob, type SubmitJobInput, submitJobSchema } from '@ct/shared';
import { memoryAuditLog } from '@ct/shared/audit';
import {
  type FreshDatabase,
  freshDatabase,
  type PrivateRedis,
  startPrivateRedis,
  waitFor,
} from '@ct/test-support';
import type { DataSource } from 'typeorm';
import { AUDIT_LOG } from '../src/audit/audit.module.js';
import { DATA_SOURCE } from '../src/database/database.module.js';
import { ReconcilerService } from '../src/jobs/reconciler.service.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';
import { scoreTask, withQueue } from './scoring-fixtures.js';
import { StandInWorker } from './stand-in-worker.js';

const parsed = (): SubmitJob => submitJobSchema.parse(submission());

describe('the reconciler keeps BullMQ in step with Postgres (real Postgres and Redis)', () => {
  describe('with Redis up', () => {
    let api: TestApi;

    beforeAll(async () => {
      api = await startTestApi({ config: { reconcileIntervalMs: 1000 } });
    });

    afterAll(async () => {
      await api.close();
    });

    it('queues a row that BullMQ does not have, once', async () => {
      const { job } = await api.jobs.create('team-a', parsed());
      expect(await api.queue.getState(job.id)).toBe('missing');
      const sut = api.app.get(ReconcilerService);
      expect(await sut.reconcile({ minAgeMs: 0 })).toEqual({ queued: 1, settled: 0 });
      expect(['waiting', 'prioritized']).toContain(await api.queue.getState(job.id));
      expect(await sut.reconcile({ minAgeMs: 0 })).toEqual({ queued: 0, settled: 0 });
    });

    it('queues a score row into ct-scoring, the queue of its kind, under its job name', async () => {
      const { job } = await api.jobs.create('team-a', { ...parsed(), kind: 'score', task: scoreTask() });
      const sut = api.app.get(ReconcilerService);
      expect(await sut.reconcile({ minAgeMs: 0 })).toEqual({ queued: 1, settled: 0 });
      expect(['waiting', 'prioritized']).toContain(await api.queue.getState(job.id, 'score'));
      expect(await api.queue.getState(job.id, 'train')).toBe('missing');
      expect(await withQueue(api, QueueName.Scoring, (queue) => queue.getJob(job.id))).toMatchObject({
        name: 'score',
        data: { jobId: job.id, team: 'team-a' },
      });
      expect(await sut.reconcile({ minAgeMs: 0 })).toEqual({ queued: 0, settled: 0 });
    });

    it('leaves rows younger than a few seconds to the request that is adding them', async () => {
      const { job } = await api.jobs.create('team-a', parsed());
      expect(await api.app.get(ReconcilerService).reconcile()).toEqual({ queued: 0, settled: 0 });
      expect(await api.queue.getState(job.id)).toBe('missing');
    });

    it('runs on its own every RECONCILE_INTERVAL_MS', async () => {
      const { job } = await api.jobs.create('team-a', parsed());
      await api.app
        .get<DataSource>(DATA_SOURCE)
        .query("UPDATE jobs SET updated_at = now() - interval '1 minute' WHERE id = $1", [job.id]);
      await waitFor(
        'the timer to queue the job',
        async () => (await api.queue.getState(job.id)) !== 'missing',
      );
    });
  });

  describe('with Redis down when the job is submitted', () => {
    let db: FreshDatabase;
    let redis: PrivateRedis;

    beforeAll(async () => {
      db = await freshDatabase();
      redis = await startPrivateRedis();
      await redis.stop();
    });

    afterAll(async () => {
      await db.drop();
    });

    it('accepts the job (201, queued in Postgres), and queues it once a live Redis is reached', async () => {
      const down = await startTestApi({ db, config: { redisUrl: redis.url } });
      let id: string;
      let cancelled: string;
      try {
        const key = await down.key('team-a', 'submitter');
        const res = await down.http().post('/v1/jobs').set(bearer(key)).send(submission()).expect(201);
        id = res.body.id;
        expect(res.body.state).toBe('queued');
        expect((await down.jobs.get(id))?.state).toBe('queued');
        await expect(down.queue.getState(id)).rejects.toMatchObject({
          name: 'DependencyUnavailableError',
          dependency: 'redis',
        });

        cancelled = (await down.submit(key)).id;
        const cancel = await down.http().post(`/v1/jobs/${cancelled}/cancel`).set(bearer(key)).expect(200);
        expect(cancel.body.state).toBe('cancelled');

        const ready = await down.http().get('/health/ready').expect(503);
        expect(ready.body.down).toEqual(['redis']);
      } finally {
        await down.close();
      }

      const up = await startTestApi({ db, config: { bullmqPrefix: down.config.bullmqPrefix } });
      try {
        expect(await up.app.get(ReconcilerService).reconcile({ minAgeMs: 0 })).toMatchObject({ queued: 1 });
        expect(['waiting', 'prioritized']).toContain(await up.queue.getState(id));
        expect(await up.queue.getState(cancelled)).toBe('missing');
      } finally {
        await up.close();
      }
    });
  });
});

describe('the reconciler pages through every row (real Postgres and Redis)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ config: { reconcileIntervalMs: 3_600_000 } });
  });

  afterAll(async () => {
    await api.close();
  });

  it('reaches a job missing from BullMQ behind more than 500 older queued rows', async () => {
    const { job } = await api.jobs.create('team-a', parsed());
    // 600 older copies of it, none in BullMQ either: a backlog the oldest-500 read never saw past.
    await api.app.get<DataSource>(DATA_SOURCE).query(
      `INSERT INTO jobs (id, team, pipeline, state, trigger, spec, params, priority, timeout_seconds,
                         max_attempts, tags, created_at, updated_at)
       SELECT gen_random_uuid(), team, pipeline, state, trigger, spec, params, priority, timeout_seconds,
              max_attempts, tags, now() - interval '1 hour', now() - interval '1 hour'
       FROM jobs, generate_series(1, 600) WHERE jobs.id = $1`,
      [job.id],
    );
    const sut = api.app.get(ReconcilerService);
    expect(await sut.reconcile({ minAgeMs: 0, pageSize: 50 })).toEqual({ queued: 601, settled: 0 });
    expect(['waiting', 'prioritized']).toContain(await api.queue.getState(job.id));
    expect(await sut.reconcile({ minAgeMs: 0, pageSize: 50 })).toEqual({ queued: 0, settled: 0 });
  });
});

describe('the reconciler ends the running jobs of lost workers (real Postgres and Redis)', () => {
  const audit = memoryAuditLog('api');
  let api: TestApi;
  let key: string;
  let bullmq: StandInWorker;

  beforeAll(async () => {
    api = await startTestApi({
      config: { reconcileIntervalMs: 3_600_000 },
      customize: (builder) => builder.overrideProvider(AUDIT_LOG).useValue(audit),
    });
    key = await api.key('team-a', 'submitter');
    bullmq = StandInWorker.open(api);
  });

  afterAll(async () => {
    await bullmq.close();
    await api.close();
  });

  const sql = (query: string, params: unknown[]) => api.app.get<DataSource>(DATA_SOURCE).query(query, params);

  /**
   * A job running its attempt `attempts` (`uncounted` of them not counted) with MLflow run `run-<id>`, whose
   * BullMQ job is then `held` as given, and whose worker renewed no heartbeat for an hour unless `fresh`.
   */
  async function running(
    body: Partial<SubmitJobInput>,
    held: (id: string) => Promise<unknown>,
    options: { attempts?: number; uncounted?: number; fresh?: boolean } = {},
  ): Promise<string> {
    const { id } = await api.submit(key, submission(body));
    await held(id);
    const { attempts = 1, uncounted = 0 } = options;
    await api.jobs.patch(id, { attempts: attempts - 1, uncountedAttempts: uncounted });
    await api.start(id, 'lost-worker');
    expect(await api.jobs.heartbeat(id, attempts, `run-${id}`)).toBe(true);
    if (!options.fresh)
      await sql("UPDATE job_attempts SET heartbeat_at = now() - interval '1 hour' WHERE job_id = $1", [id]);
    return id;
  }
  const runEnd = async (id: string) =>
    (
      await api.app
        .get<DataSource>(DATA_SOURCE)
        .getRepository(PendingRunEndEntity)
        .findOneBy({ runId: `run-${id}` })
    )?.status;
  const lastMessage = async (id: string) => {
    const last = (await api.app.get(EventStore).after(id)).at(-1);
    return last?.type === 'state' ? last.message : null;
  };

  it('queues again, fails or cancels each one in one pass, with its reason; leaves live ones alone', async () => {
    // Taken by a worker first (priority 1), then lost: BullMQ failed or completed the job meanwhile.
    const requeued = await running({ priority: 1, maxAttempts: 2 }, (id) => bullmq.fail(id), {
      attempts: 2,
      uncounted: 1,
    });
    const cancelled = await running({ priority: 1 }, (id) => bullmq.complete(id));
    await api.jobs.requestCancel(cancelled, { state: 'running', attempts: 1 });
    const exhausted = await running({ maxAttempts: 2 }, (id) => api.queue.remove(id), { attempts: 2 });
    const alive = await running({}, (id) => api.queue.remove(id), { fresh: true });
    const notTakenYet = await running({}, async () => undefined);
    const before = audit.events.length;

    const sut = api.app.get(ReconcilerService);
    expect(await sut.reconcile({ minAgeMs: 0, pageSize: 2 })).toEqual({ queued: 0, settled: 3 });

    expect(await api.jobs.get(requeued)).toMatchObject({
      state: 'queued',
      attempts: 2,
      failureReason: 'infrastructure',
      finishedAt: null,
    });
    expect(await api.jobs.attempt(requeued, 2)).toMatchObject({
      outcome: 'failed',
      failureReason: 'infrastructure',
      message: 'worker lost',
      finishedAt: expect.any(Date),
    });
    expect(await lastMessage(requeued)).toMatch(
      /^worker lost: attempt 2 renewed no lease for \d+ s and BullMQ holds its job as failed: queued again \(1 of 2 attempts used\)$/,
    );
    expect(['waiting', 'prioritized']).toContain(await api.queue.getState(requeued));
    expect(await runEnd(requeued)).toBe('FAILED');

    expect(await api.jobs.get(exhausted)).toMatchObject({
      state: 'failed',
      failureReason: 'infrastructure',
      failureMessage: 'its worker was lost and no attempts are left',
      finishedAt: expect.any(Date),
    });
    expect(await lastMessage(exhausted)).toMatch(/BullMQ holds no job for it: its worker was lost/);
    expect(await runEnd(exhausted)).toBe('FAILED');

    expect(await api.jobs.get(cancelled)).toMatchObject({ state: 'cancelled', failureReason: 'cancelled' });
    expect(await api.jobs.attempt(cancelled, 1)).toMatchObject({ outcome: 'cancelled' });
    expect(await lastMessage(cancelled)).toMatch(/holds its job as completed: cancelled, as requested$/);
    expect(await runEnd(cancelled)).toBe('KILLED');

    for (const id of [alive, notTakenYet]) {
      expect(await api.jobs.get(id)).toMatchObject({ state: 'running', attempts: 1 });
      expect(await runEnd(id)).toBeUndefined();
    }
    const audited = audit.events.slice(before).map((e) => [e.level, e.event, e.fields.jobId, e.fields.actor]);
    expect(audited).toEqual(
      expect.arrayContaining([
        [1, 'job.retrying', requeued, 'reconciler'],
        [2, 'job.failed', exhausted, 'reconciler'],
        [1, 'job.cancelled', cancelled, 'reconciler'],
      ]),
    );
    expect(audited).toHaveLength(3);
    expect(await sut.reconcile({ minAgeMs: 0, pageSize: 2 })).toEqual({ queued: 0, settled: 0 });
  });
});
