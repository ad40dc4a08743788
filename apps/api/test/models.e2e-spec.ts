import { randomUUID } from 'node:crypto';
import { type ModelView, modelSchema } from '@ct/shared';
import { MlflowRegistryClient } from '../src/models/mlflow-registry.client.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';

/** Keys made through the API, with their ids (the actors of decisions). */
async function keyWithId(api: TestApi, team: string, role: string): Promise<{ key: string; id: string }> {
  const res = await api
    .http()
    .post('/v1/keys')
    .set(bearer(api.adminKey))
    .send({ team, role, name: `${role} of ${team}` })
    .expect(201);
  return { key: res.body.key, id: res.body.id };
}

describe('the models API (real Postgres and MLflow registry)', () => {
  let api: TestApi;
  let registry: RegistryFixture;
  const suffix = randomUUID().slice(0, 8);
  const name = `team-a.churn-${suffix}`;
  const created: string[] = [];
  let approver: { key: string; id: string };

  const decide = (key: string, kind: string, version: string, model = name) =>
    api.http().post(`/v1/models/${model}/versions/${version}/${kind}`).set(bearer(key));

  beforeAll(async () => {
    api = await startTestApi();
    registry = new RegistryFixture(api.config.mlflowTrackingUri);
    approver = await keyWithId(api, 'team-a', 'approver');
    await registry.model(name, [
      { 'metric.rmse': '55.1', 'ct.spec_hash': 'abc' },
      { 'metric.rmse': '52.4' },
      { 'metric.rmse': '60.9' },
    ]);
    created.push(name);
    await registry.alias(name, 'champion', '1');
    await registry.alias(name, 'challenger', '2');
  });

  afterAll(async () => {
    for (const model of created) await registry?.delete(model);
    await api?.close();
  });

  it('shows a team its model: aliases, versions newest first, metrics from tags', async () => {
    const viewer = await api.key('team-a', 'viewer');
    const res = await api.http().get(`/v1/models/${name}`).set(bearer(viewer)).expect(200);
    const sut = modelSchema.parse(res.body);
    expect(sut.aliases).toEqual({ champion: '1', challenger: '2' });
    expect(sut.versions.map((v) => [v.version, v.aliases, v.metrics])).toEqual([
      ['3', [], { rmse: 60.9 }],
      ['2', ['challenger'], { rmse: 52.4 }],
      ['1', ['champion'], { rmse: 55.1 }],
    ]);
    expect(sut.versions[2]).toMatchObject({ status: 'READY', jobId: null, tags: { 'ct.spec_hash': 'abc' } });
  });

  it('answers 404 for another team’s model and for models or versions that do not exist', async () => {
    const otherTeam = await api.key('team-b', 'approver');
    for (const path of [`/v1/models/${name}`, '/v1/models/team-b.nothing-here'])
      expect((await api.http().get(path).set(bearer(otherTeam)).expect(404)).body.code).toBe('not_found');
    await decide(otherTeam, 'approve', '2').expect(404);
    await decide(approver.key, 'promote', '99').expect(404);
    await api.http().get('/v1/models/no-team-part').set(bearer(api.adminKey)).expect(400);
  });

  it('lets only approver and admin keys decide', async () => {
    for (const role of ['viewer', 'submitter'] as const) {
      const res = await decide(await api.key('team-a', role), 'approve', '2').expect(403);
      expect(res.body).toEqual({ code: 'forbidden', message: expect.stringContaining('approver') });
    }
    await api.http().post('/v1/jobs').set(bearer(approver.key)).send(submission()).expect(403);
  });

  it('refuses to approve a version that is not the challenger (409)', async () => {
    for (const version of ['1', '3']) {
      const res = await decide(approver.key, 'approve', version).expect(409);
      expect(res.body.code).toBe('illegal_transition');
    }
  });

  it('approves the challenger: champion moves, challenger goes, the decision names who', async () => {
    const res = await decide(approver.key, 'approve', '2').send({ reason: 'better rmse' }).expect(200);
    const sut: ModelView = modelSchema.parse(res.body);
    expect(sut.aliases).toEqual({ champion: '2' });
    expect(await registry.aliases(name)).toEqual({ champion: '2' });
    expect(sut.versions.find((v) => v.version === '2')?.decisions).toEqual([
      expect.objectContaining({ action: 'approved', actor: approver.id, reason: 'better rmse' }),
    ]);
  });

  it('rejects a challenger without touching the champion, and never rejects the champion', async () => {
    await registry.alias(name, 'challenger', '3');
    const res = await decide(approver.key, 'reject', '3').expect(200);
    expect(res.body.aliases).toEqual({ champion: '2' });
    expect(await registry.aliases(name)).toEqual({ champion: '2' });
    const v3 = (res.body as ModelView).versions.find((v) => v.version === '3');
    expect(v3?.decisions.map((d) => [d.action, d.actor])).toEqual([['rejected', approver.id]]);
    expect((await decide(approver.key, 'reject', '2').expect(409)).body.code).toBe('illegal_transition');
  });

  it('promotes an earlier version back (a rollback)', async () => {
    const res = await decide(approver.key, 'promote', '1').expect(200);
    expect(res.body.aliases).toEqual({ champion: '1' });
    const v1 = (res.body as ModelView).versions.find((v) => v.version === '1');
    expect(v1?.decisions.map((d) => d.action)).toEqual(['promoted_manually']);
    await decide(approver.key, 'promote', '1').expect(409);
  });

  it('refuses a decision whose expected champion is stale (409 conflict) and moves nothing', async () => {
    await registry.alias(name, 'challenger', '3');
    for (const [kind, version] of [
      ['approve', '3'],
      ['reject', '3'],
      ['promote', '2'],
    ] as const) {
      const res = await decide(approver.key, kind, version).send({ expectedChampion: '2' }).expect(409);
      expect(res.body).toEqual({
        code: 'conflict',
        message: expect.stringContaining(`the champion of ${name} is now version 1`),
        details: { aliases: { champion: '1', challenger: '3' } },
      });
    }
    const none = await decide(approver.key, 'approve', '3').send({ expectedChampion: null }).expect(409);
    expect(none.body.message).toContain('expected none as champion');
    expect(await registry.aliases(name)).toEqual({ champion: '1', challenger: '3' });
    const view = modelSchema.parse(
      (await api.http().get(`/v1/models/${name}`).set(bearer(approver.key))).body,
    );
    expect(view.versions.find((v) => v.version === '3')?.decisions).toEqual([
      expect.objectContaining({ action: 'rejected' }),
    ]);
  });

  it('applies a decision whose expected champion is current', async () => {
    const res = await decide(approver.key, 'approve', '3')
      .send({ expectedChampion: '1', reason: 'seen against v1' })
      .expect(200);
    expect(res.body.aliases).toEqual({ champion: '3' });
    expect(await registry.aliases(name)).toEqual({ champion: '3' });
    await decide(approver.key, 'promote', '1').send({ expectedChampion: '3' }).expect(200);
    expect(await registry.aliases(name)).toEqual({ champion: '1' });
  });

  it('does not overwrite an alias that moves between its check and its write (409 conflict)', async () => {
    await registry.alias(name, 'challenger', '2');
    // Another decision (or a pipeline's promotion) lands right after the service read the aliases.
    const client = api.app.get(MlflowRegistryClient);
    const read = client.getModel.bind(client);
    client.getModel = async (model) => {
      client.getModel = read;
      const seen = await read(model);
      await registry.alias(name, 'champion', '3');
      return seen;
    };
    try {
      const res = await decide(approver.key, 'approve', '2').expect(409);
      expect(res.body.code).toBe('conflict');
      expect(res.body.message).toContain('champion moved from version 1 to version 3');
      expect(res.body.message).toContain(`the champion of ${name} is now version 3`);
    } finally {
      client.getModel = read;
    }
    expect(await registry.aliases(name)).toEqual({ champion: '3', challenger: '2' });
  });

  it('forbids a key to approve the version made by a job it submitted', async () => {
    const job = await api.submit(api.adminKey, submission({}, `own-${suffix}`));
    const own = `admin.own-${suffix}`;
    await registry.model(own, [{ 'ct.job_id': job.id, 'metric.rmse': '50' }]);
    created.push(own);
    await registry.alias(own, 'challenger', '1');
    const refused = await decide(api.adminKey, 'approve', '1', own).expect(403);
    expect(refused.body).toEqual({ code: 'forbidden', message: expect.stringContaining('submitted') });
    expect(await registry.aliases(own)).toEqual({ challenger: '1' });

    const otherAdmin = await keyWithId(api, 'admin', 'admin');
    const res = await decide(otherAdmin.key, 'approve', '1', own).expect(200);
    expect(res.body.aliases).toEqual({ champion: '1' });
    expect(res.body.versions[0]).toMatchObject({ jobId: job.id });
  });
});
