import type { AddressInfo } from 'node:net';
import { EventStore } from '@ct/db';
import { jobEventSchema, jobEventsChannel } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';
import { STREAM_TIMING } from '../src/jobs/job-event-stream.js';
import { ChannelSubscriber } from '../src/redis/channel-subscriber.js';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { type EventStreamClient, openEventStream } from './sse-client.js';

describe('GET /v1/jobs/:id/events, Server-Sent Events (real Postgres and Redis)', () => {
  let api: TestApi;
  let baseUrl: string;
  let submitter: string;
  const open: EventStreamClient[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    await api.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    submitter = await api.key('team-a', 'submitter');
  });

  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });

  afterAll(async () => {
    await api.close();
  });

  async function follow(id: string, key: string, headers: Record<string, string> = {}, query = '') {
    const client = await openEventStream(`${baseUrl}/v1/jobs/${id}/events${query}`, {
      ...bearer(key),
      ...headers,
    });
    open.push(client);
    return client;
  }

  it('streams the stored events, then the live ones, and ends once the job is finished', async () => {
    const { id } = await api.submit(submitter);
    const stream = await follow(id, submitter);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    await waitFor('the stored queued event', () => stream.events.length === 1);
    expect(stream.events[0]).toMatchObject({
      event: 'state',
      data: { type: 'state', state: 'queued', jobId: id },
    });

    await api.http().post(`/v1/jobs/${id}/cancel`).set(bearer(submitter)).expect(200);
    await waitFor('the stream to end', () => stream.endedByServer(), { timeoutMs: 5_000 });
    expect(stream.events.map((event) => event.event)).toEqual(['state', 'state']);
    expect(stream.events[1]?.data).toMatchObject({ state: 'cancelled', failureReason: 'cancelled' });
    for (const event of stream.events) jobEventSchema.parse(event.data);
    const ids = stream.events.map((event) => Number(event.id));
    expect(ids[1]).toBeGreaterThan(ids[0] ?? Number.POSITIVE_INFINITY);
  });

  it('resumes after Last-Event-ID (or ?after=) with only the later events, and ends at once when finished', async () => {
    const { id } = await api.submit(submitter);
    await api.http().post(`/v1/jobs/${id}/cancel`).set(bearer(submitter)).expect(200);
    const [queued] = await api.app.get(EventStore).after(id);
    for (const resume of [
      await follow(id, submitter, { 'Last-Event-ID': queued?.id ?? '' }),
      await follow(id, submitter, {}, `?after=${queued?.id}`),
    ]) {
      await resume.ended;
      expect(resume.endedByServer()).toBe(true);
      expect(resume.events.map((event) => (event.data as { state: string }).state)).toEqual(['cancelled']);
    }
  });

  it('wakes up on the Redis message a worker publishes after storing events', async () => {
    const { id } = await api.submit(submitter);
    const pollMs = STREAM_TIMING.pollMs;
    STREAM_TIMING.pollMs = 60_000;
    const publisher = new Redis(api.config.redisUrl);
    try {
      const stream = await follow(id, submitter);
      await waitFor('the stored queued event', () => stream.events.length === 1);
      await api.app.get(EventStore).append(id, 1, { type: 'step.started', step: 'extraction' });
      await publisher.publish(jobEventsChannel(id), 'appended');
      await waitFor('the new event', () => stream.events.length === 2, { timeoutMs: 5_000 });
      expect(stream.events[1]).toMatchObject({
        event: 'step.started',
        data: { step: 'extraction', attempt: 1 },
      });
      expect(stream.endedByServer()).toBe(false);
    } finally {
      STREAM_TIMING.pollMs = pollMs;
      publisher.disconnect();
    }
  });

  it('wakes up after every state move the lifecycle commits, with no message from anyone', async () => {
    const { id } = await api.submit(submitter);
    const pollMs = STREAM_TIMING.pollMs;
    STREAM_TIMING.pollMs = 60_000;
    try {
      const stream = await follow(id, submitter);
      await waitFor('the stored queued event', () => stream.events.length === 1);
      await api.start(id);
      await waitFor('the running event', () => stream.events.length === 2, { timeoutMs: 5_000 });
      expect(stream.events[1]).toMatchObject({ event: 'state', data: { state: 'running', attempt: 1 } });
    } finally {
      STREAM_TIMING.pollMs = pollMs;
    }
  });

  it('also finds new events by polling, when no wake-up comes', async () => {
    const { id } = await api.submit(submitter);
    const stream = await follow(id, submitter);
    await waitFor('the stored queued event', () => stream.events.length === 1);
    const store = api.app.get(EventStore);
    await store.append(id, 1, { type: 'step.started', step: 'extraction' });
    await store.append(id, 1, { type: 'progress', step: 'extraction', fraction: 0.5, message: null });
    await waitFor('two more events', () => stream.events.length === 3, { timeoutMs: 5_000 });
    expect(stream.events.map((event) => event.event)).toEqual(['state', 'step.started', 'progress']);
  });

  it('drops its Redis subscription when the client goes away', async () => {
    const subscriber = api.app.get(ChannelSubscriber);
    const { id } = await api.submit(submitter);
    const before = subscriber.channelCount;
    const first = await follow(id, submitter);
    const second = await follow(id, submitter);
    await waitFor('both streams to start', () => first.events.length === 1 && second.events.length === 1);
    expect(subscriber.channelCount).toBe(before + 1);
    first.close();
    second.close();
    await waitFor('the subscription to go', () => subscriber.channelCount === before);
  });

  it('ends open streams when the API shuts down', async () => {
    const other = await startTestApi();
    try {
      await other.app.listen(0, '127.0.0.1');
      const port = (other.app.getHttpServer().address() as AddressInfo).port;
      const key = await other.key('team-a', 'submitter');
      const { id } = await other.submit(key);
      const stream = await openEventStream(`http://127.0.0.1:${port}/v1/jobs/${id}/events`, bearer(key));
      open.push(stream);
      await waitFor('the stored queued event', () => stream.events.length === 1);
      await other.app.close();
      await waitFor('the stream to end', () => stream.endedByServer());
    } finally {
      await other.close();
    }
  });

  it('answers 404 to another team, and 400 to a bad Last-Event-ID, before streaming', async () => {
    const { id } = await api.submit(submitter);
    const otherTeam = await follow(id, await api.key('team-b', 'viewer'));
    expect(otherTeam.status).toBe(404);
    expect(await otherTeam.json()).toMatchObject({ code: 'not_found' });
    const badId = await follow(id, submitter, { 'Last-Event-ID': 'latest' });
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'Last-Event-ID' }],
    });
  });
});
