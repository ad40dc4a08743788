import { QueueName, queueJobPageSchema, queueListSchema } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { JobQueues } from '../src/queues/job-queues.js';
import { RedisClients } from '../src/redis/redis-clients.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';
import { queuedScoreJob } from './scoring-fixtures.js';

const Q = `/v1/queues/${QueueName.Training}`;

describe('queue monitoring /v1/queues (real Redis and Postgres)', () => {
  let api: TestApi;
  let viewerA: string;
  let submitterA: string;
  let submitterB: string;

  beforeAll(async () => {
    api = await startTestApi();
    viewerA = await api.key('team-a', 'viewer');
    submitterA = await api.key('team-a', 'submitter');
    submitterB = await api.key('team-b', 'submitter');
  });

  afterAll(async () => {
    await api.close();
  });

  const get = (path: string, key = api.adminKey) => api.http().get(path).set(bearer(key));
  const post = (path: string, body?: object, key = api.adminKey) => {
    const req = api.http().post(path).set(bearer(key));
    return body === undefined ? req : req.send(body);
  };

  it('sums up each queue: counts, paused, workers, recent outcomes from Postgres, oldest waiting job', async () => {
    const empty = queueListSchema.parse((await get('/v1/queues', viewerA).expect(200)).body);
    expect(empty.items).toEqual(
      [QueueName.Training, QueueName.Scoring].map((name) =>
        expect.objectContaining({ name, paused: false, liveWorkers: 0, oldestWaitingAgeSeconds: null }),
      ),
    );
    const first = await api.submit(submitterA);
    await api.submit(submitterB);
    // Jobs that finished a moment and ten minutes ago, as the worker records them in Postgres.
    const done = await api.submit(submitterA);
    await api.start(done.id);
    await api.finish(done.id, 'succeeded');
    const failed = await api.submit(submitterB);
    await api.finish(failed.id, 'failed', { finishedAt: new Date(Date.now() - 10 * 60_000) });
    await api.queue.remove(done.id);
    await api.queue.remove(failed.id);
    // A score job waits in ct-scoring, and its end counts there, not in ct-training.
    const waitingScore = await queuedScoreJob(api, 'team-a');
    const scored = await queuedScoreJob(api, 'team-a');
    await api.start(scored.id);
    await api.finish(scored.id, 'succeeded');
    await api.queue.remove(scored.id, 'score');

    const [queue, scoring] = queueListSchema.parse((await get('/v1/queues', viewerA).expect(200)).body).items;
    expect(scoring).toMatchObject({
      name: QueueName.Scoring,
      counts: { waiting: 0, prioritized: 1 },
      finished: { lastMinute: { completed: 1, failed: 0 }, last15Minutes: { completed: 1, failed: 0 } },
    });
    expect(await api.queue.getState(waitingScore.id, 'score')).toBe('prioritized');
    expect(queue?.counts).toEqual({
      waiting: 0,
      prioritized: 2,
      delayed: 0,
      active: 0,
      completed: 0,
      failed: 0,
      'waiting-children': 0,
    });
    expect(queue?.finished).toEqual({
      lastMinute: { completed: 1, failed: 0 },
      last5Minutes: { completed: 1, failed: 0 },
      last15Minutes: { completed: 1, failed: 1 },
    });
    const sinceFirst = (Date.now() - Date.parse(String(first.createdAt))) / 1000;
    expect(queue?.oldestWaitingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(queue?.oldestWaitingAgeSeconds).toBeLessThanOrEqual(sinceFirst + 1);
  });

  it('finds the oldest waiting job among several priorities, whichever priority it has', async () => {
    await api.submit(submitterA, submission({ priority: 1 }));
    const aged = await api.submit(submitterA, submission({ priority: 700 }));
    await api.submit(submitterA, submission({ priority: 1000 }));
    // As if it had waited an hour: older than every other job of this file.
    const bull = api.app.get(JobQueues).queue(QueueName.Training);
    await api.app
      .get(RedisClients)
      .commands.hset(bull.toKey(aged.id), 'timestamp', String(Date.now() - 3600_000));
    const [queue] = queueListSchema.parse((await get('/v1/queues').expect(200)).body).items;
    expect(queue?.oldestWaitingAgeSeconds).toBeGreaterThanOrEqual(3600);
    expect(queue?.oldestWaitingAgeSeconds).toBeLessThan(3660);
  });

  it("lists a state's jobs newest first, page by page, and only the caller's team's for non-admin keys", async () => {
    const a1 = await api.submit(submitterA, submission({ priority: 500 }));
    const a2 = await api.submit(submitterA, submission({ priority: 500 }));
    await api.submit(submitterB, submission({ priority: 500 }));

    const all = queueJobPageSchema.parse(
      (await get(`${Q}/jobs?state=prioritized&limit=200`).expect(200)).body,
    );
    expect(new Set(all.items.map((job) => job.team))).toEqual(new Set(['team-a', 'team-b']));
    expect(all.nextCursor).toBeNull();
    expect(all.items.find((job) => job.id === a1.id)).toMatchObject({
      name: 'train',
      team: 'team-a',
      pipeline: 'diabetes-ridge',
      jobState: 'queued',
      queueState: 'prioritized',
      priority: 500,
      attemptsMade: 0,
      processedAt: null,
      failedReason: null,
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = queueJobPageSchema.parse(
        (await get(`${Q}/jobs?state=prioritized&limit=1${query}`, viewerA).expect(200)).body,
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    const teamA = all.items.filter((job) => job.team === 'team-a').map((job) => job.id);
    expect(seen).toEqual(teamA);
    expect(seen).toEqual(expect.arrayContaining([a1.id, a2.id]));
    // Last to run first: a2 came after a1 with the same priority.
    expect(seen.indexOf(a2.id)).toBeLessThan(seen.indexOf(a1.id));
  });

  it('answers 404 for a queue that does not exist and 400 for a bad state, cursor or body', async () => {
    const missing = await get('/v1/queues/nope/jobs?state=waiting').expect(404);
    expect(missing.body).toMatchObject({ code: 'not_found' });
    await post('/v1/queues/nope/pause').expect(404);
    await post('/v1/queues/nope/clean', { minAgeSeconds: 0 }).expect(404);
    for (const query of [
      'state=bogus',
      '',
      'state=waiting&limit=0',
      'state=waiting&cursor=xyz',
      'state=waiting&x=1',
    ])
      expect((await get(`${Q}/jobs?${query}`).expect(400)).body).toMatchObject({ code: 'validation_failed' });
    const otherState = Buffer.from(JSON.stringify(['failed', 0])).toString('base64url');
    await get(`${Q}/jobs?state=waiting&cursor=${otherState}`).expect(400);
    for (const body of [
      {},
      { minAgeSeconds: -1 },
      { minAgeSeconds: 0, states: ['active'] },
      { minAgeSeconds: 0, x: 1 },
    ])
      expect((await post(`${Q}/clean`, body).expect(400)).body).toMatchObject({ code: 'validation_failed' });
    await post(`${Q}/retry-failed`, { limit: 0 }).expect(400);
  });

  it('lets only admin keys pause, resume, retry failed jobs and clean (403 for the others)', async () => {
    for (const key of [viewerA, submitterA])
      for (const [action, body] of [
        ['pause', undefined],
        ['resume', undefined],
        ['retry-failed', {}],
        ['clean', { minAgeSeconds: 0 }],
      ] as const)
        expect((await post(`${Q}/${action}`, body, key).expect(403)).body).toMatchObject({
          code: 'forbidden',
        });
  });

  it('pauses and resumes the queue, and a waiting job says why it does not start', async () => {
    const job = await api.submit(submitterA);
    expect((await post(`${Q}/pause`).expect(200)).body).toEqual({ name: QueueName.Training, paused: true });
    expect(queueListSchema.parse((await get('/v1/queues').expect(200)).body).items[0]?.paused).toBe(true);
    const paused = await get(`/v1/jobs/${job.id}/position`, submitterA).expect(200);
    expect(paused.body).toMatchObject({ reason: 'queue_paused', queuePaused: true, state: 'queued' });
    expect((await post(`${Q}/resume`).expect(200)).body).toEqual({ name: QueueName.Training, paused: false });
    const idle = await get(`/v1/jobs/${job.id}/position`, submitterA).expect(200);
    expect(idle.body).toMatchObject({ reason: 'no_live_worker', queuePaused: false, liveWorkers: 0 });
  });

  it('pauses ct-scoring on its own: a score job waits there, a training job is not held by it', async () => {
    const scoring = `/v1/queues/${QueueName.Scoring}`;
    const score = await queuedScoreJob(api, 'team-a');
    const train = await api.submit(submitterA);
    expect((await post(`${scoring}/pause`).expect(200)).body).toEqual({
      name: QueueName.Scoring,
      paused: true,
    });
    try {
      expect((await get(`/v1/jobs/${score.id}/position`, submitterA).expect(200)).body).toMatchObject({
        reason: 'queue_paused',
        queueState: 'prioritized',
        position: expect.any(Number),
      });
      expect((await get(`/v1/jobs/${train.id}/position`, submitterA).expect(200)).body).toMatchObject({
        reason: 'no_live_worker',
        queuePaused: false,
      });
      const listed = queueJobPageSchema.parse(
        (await get(`${scoring}/jobs?state=prioritized&limit=200`).expect(200)).body,
      );
      expect(listed.items.find((job) => job.id === score.id)).toMatchObject({
        name: 'score',
        team: 'team-a',
      });
      expect(listed.items.map((job) => job.id)).not.toContain(train.id);
    } finally {
      await post(`${scoring}/resume`).expect(200);
    }
  });

  it('retries the failed jobs through the job state machine: failed → queued in Postgres, then queued again', async () => {
    const a = await api.submit(submitterA);
    const b = await api.submit(submitterB);
    for (const job of [a, b]) {
      await api.finish(job.id, 'failed', { failureReason: 'training_error' });
      await api.queue.remove(job.id);
    }
    const res = await post(`${Q}/retry-failed`).expect(200);
    expect(res.body.retried).toEqual(expect.arrayContaining([a.id, b.id]));
    for (const job of [a, b]) {
      expect(await api.jobs.get(job.id)).toMatchObject({ state: 'queued', failureReason: null });
      expect(await api.queue.getState(job.id)).toBe('prioritized');
    }
    expect((await get(`/v1/jobs/${a.id}`, submitterA).expect(200)).body.state).toBe('queued');
    // Nothing failed is left: a second call retries nothing.
    expect((await post(`${Q}/retry-failed`, { limit: 10 }).expect(200)).body).toEqual({
      retried: [],
      skipped: [],
    });
  });

  it("retries a failed score job from ct-scoring's retry-failed, back into ct-scoring, and not from ct-training's", async () => {
    const score = await queuedScoreJob(api, 'team-a');
    await api.finish(score.id, 'failed', { failureReason: 'data_error' });
    await api.queue.remove(score.id, 'score');
    expect((await post(`${Q}/retry-failed`).expect(200)).body.retried).not.toContain(score.id);
    const res = await post(`/v1/queues/${QueueName.Scoring}/retry-failed`).expect(200);
    expect(res.body.retried).toEqual([score.id]);
    expect(await api.queue.getState(score.id, 'score')).toBe('prioritized');
    expect(await api.queue.getState(score.id, 'train')).toBe('missing');
  });
});

describe('POST /v1/queues/:name/clean (real Redis and Postgres)', () => {
  let api: TestApi;
  let submitter: string;

  beforeAll(async () => {
    api = await startTestApi();
    submitter = await api.key('team-a', 'submitter');
  });

  afterAll(async () => {
    await api.close();
  });

  it("removes BullMQ's finished records older than the age, and Postgres keeps the jobs", async () => {
    const ok = await api.submit(submitter);
    const bad = await api.submit(submitter);
    // A stand-in worker on the test's prefix finishes one job and fails the other in BullMQ.
    const connection = new Redis(api.config.redisUrl, { maxRetriesPerRequest: null });
    const worker = new Worker(
      QueueName.Training,
      async (job) => {
        if (job.id === bad.id) throw new UnrecoverableError('broken on purpose');
        return 'done';
      },
      { connection, prefix: api.config.bullmqPrefix },
    );
    const queue = new Queue(QueueName.Training, { connection, prefix: api.config.bullmqPrefix });
    try {
      await waitFor('both jobs to finish in BullMQ', async () => {
        const counts = await queue.getJobCounts('completed', 'failed');
        return counts.completed === 1 && counts.failed === 1;
      });
      const failedPage = await api
        .http()
        .get(`/v1/queues/${QueueName.Training}/jobs?state=failed`)
        .set(bearer(api.adminKey))
        .expect(200);
      expect(failedPage.body.items).toEqual([
        expect.objectContaining({ id: bad.id, failedReason: 'broken on purpose', attemptsMade: 1 }),
      ]);

      const clean = (body: object) =>
        api
          .http()
          .post(`/v1/queues/${QueueName.Training}/clean`)
          .set(bearer(api.adminKey))
          .send(body)
          .expect(200);
      expect((await clean({ minAgeSeconds: 3600 })).body).toEqual({ removed: { completed: 0, failed: 0 } });
      expect((await clean({ minAgeSeconds: 0, states: ['failed'] })).body).toEqual({
        removed: { completed: 0, failed: 1 },
      });
      expect((await clean({ minAgeSeconds: 0 })).body).toEqual({ removed: { completed: 1, failed: 0 } });
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 0, failed: 0 });
      expect(await api.jobs.get(ok.id)).not.toBeNull();
      expect(await api.jobs.get(bad.id)).not.toBeNull();
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
  });
});
