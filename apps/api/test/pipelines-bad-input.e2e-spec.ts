import { bearer, startTestApi, type TestApi } from './harness.js';
import {
  createPipeline,
  getPipeline,
  pipelineBody,
  pipelineNames,
  TriggerQueueProbe,
  triggerRecords,
} from './pipeline-fixtures.js';

type Body = Record<string, unknown>;
// Valid but for what each case breaks; were one accepted, the list would show `never-created`.
const good = pipelineBody('never-created', {
  schedule: { cron: '0 3 * * *', timezone: 'Europe/Paris' },
  triggers: { newData: { minNewRows: 100 } },
  cooldownSeconds: 60,
});
const valid = good as Body;
const spec = valid.spec as Body;
const existingSpec = { ...spec, pipeline: 'bad-input' };
const schedule = valid.schedule as Body;
const newData = { minNewRows: 100 };
const withCron = (cron: unknown): Body => ({ ...valid, schedule: { ...schedule, cron } });
const withZone = (timezone: unknown): Body => ({ ...valid, schedule: { ...schedule, timezone } });
const withNewData = (patch: Body): Body => ({ ...valid, triggers: { newData: { ...newData, ...patch } } });
const uuid = '3f2c1a9e-5b7d-4c8e-9f0a-1b2c3d4e5f60';

/** [case, body of POST /v1/pipelines, path named in details]: each a 400 validation_failed. */
const badCreates: [string, unknown, string][] = [
  ['a cron of 4 fields', withCron('* * * *'), 'schedule.cron'],
  ['a cron of 7 fields', withCron('0 0 0 * * * *'), 'schedule.cron'],
  ['an empty cron', withCron(''), 'schedule.cron'],
  ['a cron macro', withCron('@daily'), 'schedule.cron'],
  ['minute 61', withCron('61 * * * *'), 'schedule.cron'],
  ['hour 25', withCron('* 25 * * *'), 'schedule.cron'],
  ['weekday 8', withCron('0 0 * * 8'), 'schedule.cron'],
  ['a step of 0', withCron('*/0 * * * *'), 'schedule.cron'],
  ['words', withCron('a b c d e'), 'schedule.cron'],
  ['a cron that never fires (30 February)', withCron('0 0 30 2 *'), 'schedule.cron'],
  ['a cron that never fires (31 February or April)', withCron('0 0 31 2,4 *'), 'schedule.cron'],
  ['a huge cron', withCron(`0 ${'0,'.repeat(150)}0 * * *`), 'schedule.cron'],
  ['a cron that is a number', withCron(5), 'schedule.cron'],
  ['a schedule without a cron', { ...valid, schedule: { timezone: 'UTC' } }, 'schedule.cron'],
  ['a schedule as a string', { ...valid, schedule: '0 3 * * *' }, 'schedule'],
  ['an unknown time zone', withZone('Mars/Olympus'), 'schedule.timezone'],
  ['a misspelt time zone', withZone('Europe/Pariss'), 'schedule.timezone'],
  ['an offset past 24 h', withZone('UTC+25'), 'schedule.timezone'],
  ['an empty time zone', withZone(''), 'schedule.timezone'],
  ['a time zone that is a number', withZone(2), 'schedule.timezone'],
  ['minNewRows 0', withNewData({ minNewRows: 0 }), 'triggers.newData.minNewRows'],
  ['a negative minNewRows', withNewData({ minNewRows: -5 }), 'triggers.newData.minNewRows'],
  ['a fractional minNewRows', withNewData({ minNewRows: 1.5 }), 'triggers.newData.minNewRows'],
  ['a huge minNewRows', withNewData({ minNewRows: 1e12 }), 'triggers.newData.minNewRows'],
  ['minNewRows as a string', withNewData({ minNewRows: '100' }), 'triggers.newData.minNewRows'],
  [
    'a new-data trigger without minNewRows',
    { ...valid, triggers: { newData: {} } },
    'triggers.newData.minNewRows',
  ],
  ['a poll every second', withNewData({ pollSeconds: 1 }), 'triggers.newData.pollSeconds'],
  ['a poll every 10 days', withNewData({ pollSeconds: 864_000 }), 'triggers.newData.pollSeconds'],
  ['a negative cooldown', { ...valid, cooldownSeconds: -1 }, 'cooldownSeconds'],
  ['a cooldown over 30 days', { ...valid, cooldownSeconds: 2_592_001 }, 'cooldownSeconds'],
  ['a fractional cooldown', { ...valid, cooldownSeconds: 0.5 }, 'cooldownSeconds'],
  ['a cooldown as a string', { ...valid, cooldownSeconds: '60' }, 'cooldownSeconds'],
  ['enabled as a string', { ...valid, enabled: 'yes' }, 'enabled'],
  ['an unknown top-level field', { ...valid, owner: 'ana' }, 'owner'],
  ['an unknown field in schedule', { ...valid, schedule: { ...schedule, every: '1h' } }, 'schedule.every'],
  ['an unknown trigger', { ...valid, triggers: { performance: { metric: 'r2' } } }, 'triggers.performance'],
  ['an unknown field in newData', withNewData({ window: 3 }), 'triggers.newData.window'],
  ['an unknown field in promotion', { ...valid, promotion: { policy: 'auto', by: 'x' } }, 'promotion.by'],
  ['an unknown promotion policy', { ...valid, promotion: { policy: 'vote' } }, 'promotion.policy'],
  ['an unknown field in spec', { ...valid, spec: { ...spec, cron: '0 3 * * *' } }, 'spec.cron'],
  ['no spec', { schedule }, 'spec'],
  ['a name that is a UUID', { ...valid, spec: { ...spec, pipeline: uuid }, name: uuid }, 'name'],
  ['an upper-case name', { ...valid, spec: { ...spec, pipeline: 'Bad' }, name: 'Bad' }, 'name'],
  ['a name with a dot', { ...valid, name: 'a.b' }, 'name'],
  [
    'no name and a spec.pipeline that is a UUID',
    { ...valid, spec: { ...spec, pipeline: uuid } },
    'spec.pipeline',
  ],
  ['a name that is not spec.pipeline', { ...valid, name: 'other' }, 'spec.pipeline'],
];

/** [case, body of PATCH /v1/pipelines/:id, path named in details]. */
const badUpdates: [string, unknown, string][] = [
  ['an empty change', {}, '(body)'],
  ['a bad cron', { schedule: { cron: '0 0 30 2 *' } }, 'schedule.cron'],
  ['a bad time zone', { schedule: { cron: '0 4 * * *', timezone: 'Nowhere/Town' } }, 'schedule.timezone'],
  ['minNewRows 0', { triggers: { newData: { minNewRows: 0 } } }, 'triggers.newData.minNewRows'],
  ['a negative cooldown', { cooldownSeconds: -60 }, 'cooldownSeconds'],
  ['a rename', { name: 'renamed' }, 'name'],
  ['an unknown field beside a good one', { cooldownSeconds: 5, color: 'red' }, 'color'],
  ['a spec of another pipeline', { spec: { ...existingSpec, pipeline: 'other' } }, 'spec.pipeline'],
  [
    'a new spec and a bad cron',
    { spec: { ...existingSpec, split: { test_size: 0.3 } }, schedule: { cron: '* *' } },
    'schedule.cron',
  ],
  [
    'an unknown estimator',
    { spec: { ...existingSpec, model: { estimator: 'os.system' } } },
    'spec.model.estimator',
  ],
];

/** [case, body of POST /v1/pipelines/:id/data-arrivals, path named in details]. */
const badArrivals: [string, unknown, string][] = [
  ['rows 0', { rows: 0 }, 'rows'],
  ['negative rows', { rows: -10 }, 'rows'],
  ['fractional rows', { rows: 2.5 }, 'rows'],
  ['a huge number of rows', { rows: 1e12 }, 'rows'],
  ['rows as a string', { rows: '10' }, 'rows'],
  ['no rows', { source: 'sales' }, 'rows'],
  ['an arrival tomorrow', { rows: 10, at: new Date(Date.now() + 86_400_000).toISOString() }, 'at'],
  ['an arrival an hour ahead', { rows: 10, at: new Date(Date.now() + 3_600_000).toISOString() }, 'at'],
  ['an at that is not a date', { rows: 10, at: 'yesterday' }, 'at'],
  ['an at without an offset', { rows: 10, at: '2026-01-01T00:00:00' }, 'at'],
  ['an empty source', { rows: 10, source: '' }, 'source'],
  ['an unknown field', { rows: 10, table: 'sales' }, 'table'],
];

/** [case, method, path, body, path named in details]. */
const badRequests: [string, 'get' | 'post' | 'patch' | 'delete', string, unknown, string][] = [
  ['a ref that is neither id nor name', 'get', '/v1/pipelines/Not_A_Name!', undefined, 'id'],
  ['a ref with a dot', 'get', '/v1/pipelines/team-a.bad-input', undefined, 'id'],
  ['a bad ref on PATCH', 'patch', '/v1/pipelines/Not_A_Name!', { cooldownSeconds: 1 }, 'id'],
  ['a bad ref on DELETE', 'delete', '/v1/pipelines/Not_A_Name!', undefined, 'id'],
  ['a bad ref on a run', 'post', '/v1/pipelines/Not_A_Name!/runs', undefined, 'id'],
  ['a bad ref on an arrival', 'post', '/v1/pipelines/Not_A_Name!/data-arrivals', { rows: 1 }, 'id'],
  ['a run with priority 0', 'post', '/v1/pipelines/bad-input/runs', { priority: 0 }, 'priority'],
  ['a run with an unknown field', 'post', '/v1/pipelines/bad-input/runs', { trigger: 'schedule' }, 'trigger'],
  ['a list limit of 0', 'get', '/v1/pipelines?limit=0', undefined, 'limit'],
  ['a garbage list cursor', 'get', '/v1/pipelines?cursor=garbage', undefined, 'cursor'],
  ['an unknown list query', 'get', '/v1/pipelines?team=team-b', undefined, 'team'],
  ['a trigger page of 500', 'get', '/v1/pipelines/bad-input/triggers?limit=500', undefined, 'limit'],
  ['a garbage trigger cursor', 'get', '/v1/pipelines/bad-input/triggers?cursor=garbage', undefined, 'cursor'],
];

describe('bad pipeline input is a 400 naming the field, and creates nothing (real Postgres and Redis)', () => {
  let api: TestApi;
  let key: string;
  let probe: TriggerQueueProbe;
  let existing: Awaited<ReturnType<typeof createPipeline>>;

  const expectValidation = (res: { status: number; body: Body }, path: string) => {
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.body.details).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
  };

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.key('team-a', 'submitter');
    probe = TriggerQueueProbe.open(api);
    existing = await createPipeline(api, key, { ...good, spec: { ...good.spec, pipeline: 'bad-input' } });
  });

  afterAll(async () => {
    await probe?.close();
    await api.close();
  });

  it('starts from one pipeline with its schedule in BullMQ', async () => {
    expect(await pipelineNames(api, key)).toEqual(['bad-input']);
    expect(await probe.schedulerIds()).toEqual([`pipeline:${existing.id}`]);
  });

  it.each(badCreates.map(([c, body, path]) => [c, path, body] as const))(
    'POST /v1/pipelines with %s: 400 naming %s, nothing created',
    async (_c, path, body) => {
      const res = await api
        .http()
        .post('/v1/pipelines')
        .set(bearer(key))
        .send(body as object);
      expectValidation(res, path);
      expect(await pipelineNames(api, key)).toEqual(['bad-input']);
      expect(await probe.schedulerIds()).toEqual([`pipeline:${existing.id}`]);
    },
  );

  it.each(badUpdates.map(([c, body, path]) => [c, path, body] as const))(
    'PATCH /v1/pipelines/:id with %s: 400 naming %s, nothing changed',
    async (_c, path, body) => {
      const res = await api
        .http()
        .patch('/v1/pipelines/bad-input')
        .set(bearer(key))
        .send(body as object);
      expectValidation(res, path);
      const now = await getPipeline(api, key, existing.id);
      expect(now).toMatchObject({
        schedule: existing.schedule,
        triggers: existing.triggers,
        cooldownSeconds: existing.cooldownSeconds,
        latestVersion: existing.latestVersion,
        updatedAt: existing.updatedAt,
      });
      const held = await probe.scheduler(existing.id);
      expect(held).toMatchObject({ pattern: '0 3 * * *', tz: 'Europe/Paris' });
    },
  );

  it.each(badArrivals.map(([c, body, path]) => [c, path, body] as const))(
    'POST data-arrivals with %s: 400 naming %s, nothing counted',
    async (_c, path, body) => {
      const res = await api
        .http()
        .post(`/v1/pipelines/${existing.id}/data-arrivals`)
        .set(bearer(key))
        .send(body as object);
      expectValidation(res, path);
      expect((await getPipeline(api, key, existing.id)).newData).toMatchObject({ rowsSinceLastRun: 0 });
      expect(await triggerRecords(api, key, existing.id)).toEqual([]);
    },
  );

  it.each(badRequests)('%s: 400 naming %s', async (_c, method, url, body, path) => {
    const req = api.http()[method](url).set(bearer(key));
    expectValidation(await (body === undefined ? req : req.send(body as object)), path);
  });

  it('still has exactly the one pipeline, unchanged, and no trigger record or job', async () => {
    expect(await pipelineNames(api, key)).toEqual(['bad-input']);
    expect(await probe.schedulerIds()).toEqual([`pipeline:${existing.id}`]);
    expect(await triggerRecords(api, key, existing.id)).toEqual([]);
    const jobs = await api.http().get('/v1/jobs').set(bearer(key)).expect(200);
    expect(jobs.body.items).toEqual([]);
  });
});
