import {
  jobPositionSchema,
  QueueName,
  queueListSchema,
  type WorkerRecord,
  workerListSchema,
  workerRegistryKeys,
} from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

describe('live workers and job positions (real Redis and Postgres)', () => {
  let api: TestApi;
  let redis: Redis;
  let viewerA: string;
  let submitterA: string;
  let submitterB: string;

  beforeAll(async () => {
    api = await startTestApi();
    redis = new Redis(api.config.redisUrl, { maxRetriesPerRequest: 1 });
    viewerA = await api.key('team-a', 'viewer');
    submitterA = await api.key('team-a', 'submitter');
    submitterB = await api.key('team-b', 'submitter');
  });

  afterAll(async () => {
    redis.disconnect();
    await api.close();
  });

  const get = (path: string, key = api.adminKey) => api.http().get(path).set(bearer(key));

  /** Publishes a worker record the way a worker's heartbeat does, expiring after `ttlMs`. */
  async function heartbeat(record: WorkerRecord, ttlMs: number): Promise<void> {
    const prefix = api.config.bullmqPrefix;
    await redis
      .multi()
      .set(workerRegistryKeys.worker(prefix, record.id), JSON.stringify(record), 'PX', ttlMs)
      .zadd(workerRegistryKeys.index(prefix), Date.now() + ttlMs, record.id)
      .exec();
  }

  function workerRecord(id: string, runningJobIds: string[] = []): WorkerRecord {
    const now = new Date().toISOString();
    return {
      id,
      host: 'host-1',
      pid: 4242,
      concurrency: 2,
      queues: [QueueName.Training],
      runningJobIds,
      version: 'abc123',
      startedAt: now,
      lastHeartbeatAt: now,
      heartbeatIntervalMs: 500,
    };
  }

  it('lists no worker, and a waiting job says no worker runs, with its place in line', async () => {
    expect(workerListSchema.parse((await get('/v1/workers', viewerA).expect(200)).body)).toEqual({
      items: [],
    });
    const first = await api.submit(submitterA, submission({ priority: 100 }));
    const second = await api.submit(submitterA, submission({ priority: 100 }));
    const urgent = await api.submit(submitterA, submission({ priority: 1 }));
    const position = async (id: string) =>
      jobPositionSchema.parse((await get(`/v1/jobs/${id}/position`, submitterA).expect(200)).body);
    // BullMQ takes the lowest priority number first, then the oldest.
    expect(await position(urgent.id)).toMatchObject({
      position: 1,
      waitingAhead: 0,
      reason: 'no_live_worker',
    });
    expect(await position(first.id)).toMatchObject({
      position: 2,
      waitingAhead: 1,
      queueState: 'prioritized',
    });
    expect(await position(second.id)).toMatchObject({
      position: 3,
      waitingAhead: 2,
      liveWorkers: 0,
      queuePaused: false,
      reason: 'no_live_worker',
      message: expect.stringContaining('no worker'),
    });
  });

  it("answers 404 for the position of another team's job or an unknown one, 400 for a malformed id", async () => {
    const job = await api.submit(submitterA);
    expect((await get(`/v1/jobs/${job.id}/position`, submitterB).expect(404)).body).toMatchObject({
      code: 'not_found',
    });
    await get('/v1/jobs/00000000-0000-4000-8000-000000000000/position').expect(404);
    await get('/v1/jobs/nope/position').expect(400);
  });

  it('says a finished or running job is not waiting at all', async () => {
    const job = await api.submit(submitterA);
    await api.queue.remove(job.id);
    await api.start(job.id);
    expect((await get(`/v1/jobs/${job.id}/position`).expect(200)).body).toMatchObject({
      reason: 'running',
      position: null,
      queueState: null,
    });
    await api.finish(job.id, 'succeeded');
    expect((await get(`/v1/jobs/${job.id}/position`).expect(200)).body).toMatchObject({ reason: 'finished' });
  });

  it('says why a queued job a worker put back waits: an unreachable dependency, or its model', async () => {
    const job = await api.submit(submitterA);
    const since = new Date('2026-01-02T03:04:05.000Z');
    await api.jobs.patch(job.id, { waitReason: 'dependency_unavailable', waitingSince: since });
    const outage = jobPositionSchema.parse((await get(`/v1/jobs/${job.id}/position`).expect(200)).body);
    expect(outage).toMatchObject({
      reason: 'dependency_unavailable',
      state: 'queued',
      position: expect.any(Number),
    });
    expect(outage.message).toContain(since.toISOString());
    await api.jobs.patch(job.id, { waitReason: 'waiting_for_model', waitingSince: null });
    expect((await get(`/v1/jobs/${job.id}/position`).expect(200)).body).toMatchObject({
      reason: 'waiting_for_model',
    });
    // Once a worker runs it, the reason it waited no longer matters.
    await api.queue.remove(job.id);
    await api.start(job.id);
    expect((await get(`/v1/jobs/${job.id}/position`).expect(200)).body.reason).toBe('running');
    await api.finish(job.id, 'succeeded');
  });

  it("lists a worker while its heartbeat is current, with only the caller's team's running jobs", async () => {
    const jobA = await api.submit(submitterA);
    const jobB = await api.submit(submitterB);
    const waiting = await api.submit(submitterA);
    await heartbeat(workerRecord('host-1:4242:aaaaaa', [jobA.id, jobB.id]), 1_000);

    const forAdmin = workerListSchema.parse((await get('/v1/workers').expect(200)).body);
    expect(forAdmin.items).toEqual([
      expect.objectContaining({
        id: 'host-1:4242:aaaaaa',
        host: 'host-1',
        pid: 4242,
        concurrency: 2,
        queues: [QueueName.Training],
        version: 'abc123',
        runningJobIds: [jobA.id, jobB.id],
        busySlots: 2,
      }),
    ]);
    const forTeamA = workerListSchema.parse((await get('/v1/workers', viewerA).expect(200)).body);
    expect(forTeamA.items[0]).toMatchObject({ runningJobIds: [jobA.id], busySlots: 2 });
    expect(queueListSchema.parse((await get('/v1/queues').expect(200)).body).items[0]?.liveWorkers).toBe(1);
    expect((await get(`/v1/jobs/${waiting.id}/position`, submitterA).expect(200)).body).toMatchObject({
      reason: 'waiting_for_worker_slot',
      liveWorkers: 1,
      message: expect.stringContaining('2 of 2 worker slots are busy'),
    });

    // A worker that stops beating (killed) drops out once its record expires.
    await waitFor(
      'the silent worker to drop out',
      async () => (await get('/v1/workers').expect(200)).body.items.length === 0,
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    expect((await get(`/v1/jobs/${waiting.id}/position`).expect(200)).body.reason).toBe('no_live_worker');
    expect(await redis.zcard(workerRegistryKeys.index(api.config.bullmqPrefix))).toBe(0);
  });

  it('ignores a malformed record instead of failing the listing', async () => {
    const prefix = api.config.bullmqPrefix;
    await redis.set(workerRegistryKeys.worker(prefix, 'bad'), '{"id":', 'PX', 5_000);
    await redis.zadd(workerRegistryKeys.index(prefix), Date.now() + 5_000, 'bad');
    await heartbeat(workerRecord('host-2:1:bbbbbb'), 5_000);
    const list = workerListSchema.parse((await get('/v1/workers').expect(200)).body);
    expect(list.items.map((worker) => worker.id)).toEqual(['host-2:1:bbbbbb']);
  });
});
