import { EventStore } from '@ct/db';
import { jobSchema, QueueName } from '@ct/shared';
import { QueueMonitor } from '../src/queues/queue-monitor.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

describe('POST /v1/jobs (real Postgres and Redis)', () => {
  let api: TestApi;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    api = await startTestApi();
    teamA = await api.key('team-a', 'submitter');
    teamB = await api.key('team-b', 'submitter');
  });

  afterAll(async () => {
    await api.close();
  });

  it('stores the job, queues it in BullMQ under the same id, and answers 201 with its Location', async () => {
    const res = await api
      .http()
      .post('/v1/jobs')
      .set(bearer(teamA))
      .send(submission({ priority: 5 }))
      .expect(201);
    const job = jobSchema.parse(res.body);
    expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({
      team: 'team-a',
      pipeline: 'diabetes-ridge',
      state: 'queued',
      trigger: 'manual',
      priority: 5,
      timeoutSeconds: 3600,
      maxAttempts: 3,
      attempts: 0,
      history: [],
      spec: { split: { test_size: 0.2, seed: 42 }, model: { params: { alpha: 0.5 } } },
    });
    expect(await api.jobs.get(job.id)).toMatchObject({ state: 'queued', team: 'team-a' });
    expect(['waiting', 'prioritized']).toContain(await api.queue.getState(job.id));
    const events = await api.app.get(EventStore).after(job.id);
    expect(events).toEqual([expect.objectContaining({ type: 'state', state: 'queued', jobId: job.id })]);
    await api
      .http()
      .get(res.headers.location ?? '')
      .set(bearer(teamA))
      .expect(200);
  });

  it('answers a new job exactly as reading it back does (the answer is built from the inserted row)', async () => {
    const body = submission({
      priority: 7,
      tags: { owner: 'ml' },
      params: { alpha: 0.1 },
      timeoutSeconds: 60,
    });
    const created = await api.http().post('/v1/jobs').set(bearer(teamA)).send(body).expect(201);
    const read = await api.http().get(`/v1/jobs/${created.body.id}`).set(bearer(teamA)).expect(200);
    expect(created.body).toEqual(read.body);
  });

  it('answers a repeated idempotency key with the first job (200), queued once', async () => {
    const body = submission({ idempotencyKey: 'nightly-2026-01-02' });
    const first = await api.http().post('/v1/jobs').set(bearer(teamA)).send(body).expect(201);
    const counts = () => api.app.get(QueueMonitor).counts(QueueName.Training);
    const countsBefore = await counts();
    const second = await api.http().post('/v1/jobs').set(bearer(teamA)).send(body).expect(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.location).toBeUndefined();
    expect(await counts()).toEqual(countsBefore);
    expect(await api.app.get(EventStore).after(first.body.id)).toHaveLength(1);

    const otherTeam = await api.http().post('/v1/jobs').set(bearer(teamB)).send(body).expect(201);
    expect(otherTeam.body.id).not.toBe(first.body.id);
    expect(otherTeam.body.team).toBe('team-b');
  });

  describe('team isolation', () => {
    let jobOfA: string;

    beforeAll(async () => {
      jobOfA = (await api.submit(teamA)).id;
    });

    it.each([
      ['GET', ''],
      ['GET', '/logs'],
      ['GET', '/events'],
      ['POST', '/cancel'],
      ['POST', '/retry'],
    ] as const)('answers 404 to another team: %s /v1/jobs/:id%s', async (method, suffix) => {
      const path = `/v1/jobs/${jobOfA}${suffix}`;
      const req = method === 'GET' ? api.http().get(path) : api.http().post(path);
      const res = await req.set(bearer(teamB)).expect(404);
      expect(res.body).toEqual({ code: 'not_found', message: `no job with id ${jobOfA}` });
    });

    it('leaves other teams out of lists, and lets an admin see every team', async () => {
      const listB = await api.http().get('/v1/jobs?limit=200').set(bearer(teamB)).expect(200);
      expect(listB.body.items.map((job: { team: string }) => job.team)).not.toContain('team-a');
      const admin = await api.http().get('/v1/jobs?limit=200').set(bearer(api.adminKey)).expect(200);
      const teams = new Set(admin.body.items.map((job: { team: string }) => job.team));
      expect(teams).toEqual(new Set(['team-a', 'team-b']));
      await api.http().get(`/v1/jobs/${jobOfA}`).set(bearer(api.adminKey)).expect(200);
    });

    it('still answers 404 to another team after the job was cancelled', async () => {
      await api.http().post(`/v1/jobs/${jobOfA}/cancel`).set(bearer(api.adminKey)).expect(200);
      await api.http().get(`/v1/jobs/${jobOfA}`).set(bearer(teamB)).expect(404);
      expect((await api.jobs.get(jobOfA))?.state).toBe('cancelled');
    });
  });
});
