import { bearer, startTestApi, submission, type TestApi } from './harness.js';
import { createPipeline, pipelineBody, pipelineCalls, triggerRecords } from './pipeline-fixtures.js';

describe('the per-team quota on queued and running jobs (real Postgres and Redis)', () => {
  let api: TestApi;
  let key: string;
  let other: string;
  let t: ReturnType<typeof pipelineCalls>;

  beforeAll(async () => {
    api = await startTestApi({ config: { teamQuota: { maxRunning: 1, maxQueued: 0 } } });
    key = await api.key('team-q', 'submitter');
    other = await api.key('team-free', 'submitter');
    t = pipelineCalls(api, key);
  });

  afterAll(async () => {
    await api.close();
  });

  it('refuses a second manual run (429), suppresses a trigger and a submission, and spares other teams', async () => {
    const manual = await t.create('quota-manual');
    const data = await t.create('quota-data', 5);
    const first = await t.run(manual.id).expect(201);

    const second = await t.run(manual.id).expect(429);
    expect(second.body).toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('TEAM_MAX_RUNNING_JOBS'),
      details: { trigger: { kind: 'manual', outcome: 'suppressed', reason: 'quota' } },
    });
    const [refused] = await t.records(manual.id);
    expect(refused).toMatchObject({
      id: second.body.details.trigger.id,
      reason: 'quota',
      figures: { teamRunning: 0, teamQueued: 1, teamLimit: 1 },
    });

    await api.start(first.body.job.id);
    const arrival = await t.arrive(data.id, 5);
    expect(arrival.trigger).toMatchObject({
      kind: 'new_data',
      outcome: 'suppressed',
      reason: 'quota',
      figures: { teamRunning: 1, teamQueued: 0, teamLimit: 1 },
    });
    const direct = await api.http().post('/v1/jobs').set(bearer(key)).send(submission()).expect(429);
    expect(direct.body).toMatchObject({ code: 'rate_limited', details: { running: 1, queued: 0, limit: 1 } });
    expect(await t.jobsOf('quota-data')).toEqual([]);

    // Another team has a quota of its own: one job of it is accepted while team-q is full.
    const elsewhere = await createPipeline(api, other, pipelineBody('quota-elsewhere'));
    await api.http().post(`/v1/pipelines/${elsewhere.id}/runs`).set(bearer(other)).expect(201);
    await api.http().post('/v1/jobs').set(bearer(other)).send(submission()).expect(429);

    await api.finish(first.body.job.id, 'succeeded');
    const again = await t.run(manual.id).expect(201);
    expect(again.body.trigger).toMatchObject({ outcome: 'started' });
  });

  it('admits exactly one of 12 concurrent submissions and runs of a team at its quota', async () => {
    const burst = await api.key('team-burst', 'submitter');
    const p = await createPipeline(api, burst, pipelineBody('burst'));
    const calls = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0
        ? api.http().post('/v1/jobs').set(bearer(burst)).send(submission())
        : api.http().post(`/v1/pipelines/${p.id}/runs`).set(bearer(burst)),
    );
    const statuses = (await Promise.all(calls)).map((res) => res.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 429)).toHaveLength(11);
    const jobs = await api.http().get('/v1/jobs').set(bearer(burst)).expect(200);
    expect(jobs.body.items).toHaveLength(1);
    // Every refused run is on the record; a refused submission is not a trigger.
    const refusedRuns = statuses.filter((status, i) => i % 2 === 1 && status === 429).length;
    const records = await triggerRecords(api, burst, p.id);
    expect(records.filter((r) => r.reason === 'quota')).toHaveLength(refusedRuns);
    expect(records).toHaveLength(6);
  });
});
