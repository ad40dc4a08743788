import { type SubmitJob, submitJobSchema } from '@ct/shared';
import {
  type FreshDatabase,
  freshDatabase,
  type PrivateRedis,
  startPrivateRedis,
  waitFor,
} from '@ct/test-support';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../src/database/database.module.js';
import { ReconcilerService } from '../src/jobs/reconciler.service.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

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
      expect(await sut.reconcile({ minAgeMs: 0 })).toBe(1);
      expect(['waiting', 'prioritized']).toContain(await api.queue.getState(job.id));
      expect(await sut.reconcile({ minAgeMs: 0 })).toBe(0);
    });

    it('leaves rows younger than a few seconds to the request that is adding them', async () => {
      const { job } = await api.jobs.create('team-a', parsed());
      expect(await api.app.get(ReconcilerService).reconcile()).toBe(0);
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
        await expect(down.queue.getState(id)).rejects.toMatchObject({ code: 'dependency_unavailable' });

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
        expect(await up.app.get(ReconcilerService).reconcile({ minAgeMs: 0 })).toBe(1);
        expect(['waiting', 'prioritized']).toContain(await up.queue.getState(id));
        expect(await up.queue.getState(cancelled)).toBe('missing');
      } finally {
        await up.close();
      }
    });
  });
});
