import { EventStore } from '@ct/db';
import { JOB_CANCEL_CHANNEL } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';
import { bearer, startTestApi, type TestApi } from './harness.js';

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
    await api.jobs.transition(id, 'running', { attempts: 1, startedAt: new Date() });
    await api.jobs.transition(id, 'failed', {
      failureReason: 'data_error',
      failureMessage: 'no rows',
      finishedAt: new Date(),
    });
    await post(`/v1/jobs/${id}/retry`).expect(202);
    expect(await api.jobs.get(id)).toMatchObject({ state: 'queued', attempts: 1, failureReason: null });
    expect(['waiting', 'prioritized']).toContain(await api.queue.getState(id));
  });

  it('asks the workers to stop a running job (202) and keeps the request', async () => {
    const { id } = await api.submit(key);
    await api.jobs.transition(id, 'running', { attempts: 1, startedAt: new Date() });
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

  it('refuses to cancel or retry a succeeded job (409)', async () => {
    const { id } = await api.submit(key);
    await api.jobs.transition(id, 'running', { attempts: 1 });
    await api.jobs.transition(id, 'succeeded', { finishedAt: new Date() });
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
