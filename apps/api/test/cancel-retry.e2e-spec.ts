import { EventStore, PendingRunEndEntity } from '@ct/db';
import { JOB_CANCEL_CHANNEL } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../src/database/database.module.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';
import { StandInWorker } from './stand-in-worker.js';

describe('cancel and retry (real Postgres and Redis)', () => {
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.key('team-a', 'submitter');
  });

  afterAll(async () => {
    await api.close();
  });

  const post = (path: string) => api.http().post(path).set(bearer(key));
  const stateEvents = async (id: string) =>
    (await api.app.get(EventStore).after(id)).map((event) =>
      event.type === 'state' ? event.state : event.type,
    );

  it('cancels a queued job at once, removes it from BullMQ, and records the change', async () => {
    const { id } = await api.submit(key);
    const res = await post(`/v1/jobs/${id}/cancel`).expect(200);
    expect(res.body).toMatchObject({
      id,
      state: 'cancelled',
      failureReason: 'cancelled',
      finishedAt: expect.any(String),
    });
    expect(await api.queue.getState(id)).toBe('missing');
    expect(await stateEvents(id)).toEqual(['queued', 'cancelled']);

    const again = await post(`/v1/jobs/${id}/cancel`).expect(409);
    expect(again.body).toMatchObject({ code: 'illegal_transition', details: { state: 'cancelled' } });
  });

  it('retries a cancelled job: queued again, in BullMQ again, failure cleared', async () => {
    const { id } = await api.submit(key);
    await post(`/v1/jobs/${id}/cancel`).expect(200);
    const res = await post(`/v1/jobs/${id}/retry`).expect(202);
    expect(res.body).toMatchObject({
      id,
      state: 'queued',
      failureReason: null,
      failureMessage: null,
      finishedAt: null,
    });
    expect(['waiting', 'prioritized']).toContain(await api.queue.getState(id));
    expect((await api.jobs.get(id))?.cancelRequestedAt).toBeNull();
    expect(await stateEvents(id)).toEqual(['queued', 'cancelled', 'queued']);
  });

  it('refuses to retry a queued job (409)', async () => {
    const { id } = await api.submit(key);
    const res = await post(`/v1/jobs/${id}/retry`).expect(409);
    expect(res.body).toMatchObject({ code: 'illegal_transition', details: { state: 'queued' } });
  });

  it('retries a failed job whose BullMQ job is still kept, replacing it', async () => {
    const { id } = await api.submit(key);
    await api.start(id);
    await api.finish(id, 'failed', { failureReason: 'data_error', failureMessage: 'no rows' });
    await post(`/v1/jobs/${id}/retry`).expect(202);
    // A user's retry gets a fresh budget: the attempt so far no longer counts against maxAttempts.
    expect(await api.jobs.get(id)).toMatchObject({
      state: 'queued',
      attempts: 1,
      uncountedAttempts: 1,
      failureReason: null,
    });
    expect(['waiting', 'prioritized']).toContain(await api.queue.getState(id));
  });

  it('asks the workers to stop a running job (202) and keeps the request', async () => {
    const { id } = await api.submit(key);
    await api.start(id);
    const listener = new Redis(api.config.redisUrl);
    const messages: string[] = [];
    try {
      await listener.subscribe(JOB_CANCEL_CHANNEL);
      listener.on('message', (_channel: string, message: string) => messages.push(message));
      const res = await post(`/v1/jobs/${id}/cancel`).expect(202);
      expect(res.body).toMatchObject({ id, state: 'running' });
      await waitFor('the cancel message', () => messages.includes(id));
      expect((await api.jobs.get(id))?.cancelRequestedAt).toBeInstanceOf(Date);
    } finally {
      listener.disconnect();
    }
  });

  /** Makes the job's running attempt look abandoned: no heartbeat for an hour. */
  const silence = (id: string) =>
    api.app
      .get<DataSource>(DATA_SOURCE)
      .query("UPDATE job_attempts SET heartbeat_at = now() - interval '1 hour' WHERE job_id = $1", [id]);

  it('cancels a running job whose worker is gone at once (200): attempt, MLflow run and events end', async () => {
    const { id } = await api.submit(key);
    await api.start(id);
    expect(await api.jobs.heartbeat(id, 1, 'run-of-a-lost-worker')).toBe(true);
    await silence(id);
    // BullMQ still holds the job as waiting: no worker has it active.
    const res = await post(`/v1/jobs/${id}/cancel`).expect(200);
    expect(res.body).toMatchObject({
      id,
      state: 'cancelled',
      failureReason: 'cancelled',
      finishedAt: expect.any(String),
      history: [
        expect.objectContaining({ attempt: 1, outcome: 'cancelled', finishedAt: expect.any(String) }),
      ],
    });
    expect(await stateEvents(id)).toEqual(['queued', 'running', 'cancelled']);
    const [, , cancelled] = await api.app.get(EventStore).after(id);
    expect(cancelled).toMatchObject({ attempt: 1, message: expect.stringMatching(/worker is gone/) });
    const runEnd = await api.app
      .get<DataSource>(DATA_SOURCE)
      .getRepository(PendingRunEndEntity)
      .findOneBy({ runId: 'run-of-a-lost-worker' });
    expect(runEnd).toMatchObject({ status: 'KILLED', jobId: id, attempt: 1 });
  });

  it('leaves a silent job that BullMQ holds as active to its worker (202)', async () => {
    // First in line, ahead of the other tests' jobs, so that the stand-in worker takes this one.
    const { id } = await api.submit(key, submission({ priority: 1 }));
    const worker = StandInWorker.open(api);
    try {
      await worker.take(id);
      await api.start(id);
      await silence(id);
      const res = await post(`/v1/jobs/${id}/cancel`).expect(202);
      expect(res.body).toMatchObject({ id, state: 'running' });
      expect(await api.jobs.get(id)).toMatchObject({ state: 'running', cancelRequestedAt: expect.any(Date) });
    } finally {
      await worker.close();
    }
  });

  it('cannot cancel the attempt that follows one it raced with (409, nothing recorded)', async () => {
    const { id } = await api.submit(key);
    await api.start(id);
    const dataSource = api.app.get<DataSource>(DATA_SOURCE);
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // Hold the row: the cancel reads attempt 1 running, then its write has to wait for this transaction.
      await runner.query('SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE', [id]);
      const cancel = post(`/v1/jobs/${id}/cancel`).then((res) => res);
      await waitFor('the cancel to wait for the row', async () => {
        const [row] = await dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%cancel_requested_at%'`,
        );
        return row.n > 0;
      });
      // Meanwhile attempt 1 failed, the job was retried, and a worker started attempt 2.
      await runner.query(
        "UPDATE job_attempts SET outcome = 'failed', finished_at = now() WHERE job_id = $1 AND attempt = 1",
        [id],
      );
      await runner.query(
        `INSERT INTO job_attempts (job_id, attempt, worker, outcome, started_at, heartbeat_at)
         VALUES ($1, 2, 'w2', 'running', now(), now())`,
        [id],
      );
      await runner.query('UPDATE jobs SET attempts = 2, uncounted_attempts = 1 WHERE id = $1', [id]);
      await runner.commitTransaction();
      const res = await cancel;
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'illegal_transition', details: { state: 'running' } });
      expect(await api.jobs.get(id)).toMatchObject({
        state: 'running',
        attempts: 2,
        cancelRequestedAt: null,
      });
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('refuses to cancel or retry a succeeded job (409)', async () => {
    const { id } = await api.submit(key);
    await api.start(id);
    await api.finish(id, 'succeeded');
    await post(`/v1/jobs/${id}/cancel`).expect(409);
    await post(`/v1/jobs/${id}/retry`).expect(409);
  });

  it('lets a viewer read but not cancel', async () => {
    const viewer = await api.key('team-a', 'viewer');
    const { id } = await api.submit(key);
    await api.http().get(`/v1/jobs/${id}`).set(bearer(viewer)).expect(200);
    await api.http().post(`/v1/jobs/${id}/cancel`).set(bearer(viewer)).expect(403);
  });
});
