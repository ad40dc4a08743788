import { randomUUID } from 'node:crypto';
import { type AuditRecord, memoryAuditLog } from '@ct/shared/audit';
import { type FreshDatabase, freshDatabase } from '@ct/test-support';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AUDIT_LOG } from '../src/audit/audit.module.js';
import { deleteQueueKeys, startApp, testConfig } from './app.js';
import { bearer, submission } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';

describe('the API audit trail (real Postgres, Redis and MLflow registry)', () => {
  const audit = memoryAuditLog('api');
  const config = testConfig();
  let db: FreshDatabase;
  let app: NestExpressApplication;
  let registry: RegistryFixture;
  const model = `team-a.audited-${randomUUID().slice(0, 8)}`;

  const http = () => request(app.getHttpServer());
  const admin = bearer(config.bootstrapAdmin?.key ?? '');
  /** The events logged while `act` ran. */
  const during = async (act: () => Promise<unknown>): Promise<AuditRecord[]> => {
    const before = audit.events.length;
    await act();
    return audit.events.slice(before);
  };
  const createKey = async (role: string) => {
    const res = await http()
      .post('/v1/keys')
      .set(admin)
      .send({ team: 'team-a', role, name: role })
      .expect(201);
    return { id: res.body.id as string, key: res.body.key as string };
  };

  beforeAll(async () => {
    db = await freshDatabase();
    app = await startApp({ ...config, databaseUrl: db.url }, (builder) =>
      builder.overrideProvider(AUDIT_LOG).useValue(audit),
    );
    registry = new RegistryFixture(config.mlflowTrackingUri);
  });

  afterAll(async () => {
    await registry?.delete(model);
    await app?.close();
    await deleteQueueKeys(config.redisUrl, config.bullmqPrefix).catch(() => undefined);
    await db?.drop();
  });

  it('records keys created and revoked, never the key itself', async () => {
    let created = { id: '', key: '' };
    const events = await during(async () => {
      created = await createKey('viewer');
      await http().delete(`/v1/keys/${created.id}`).set(admin).expect(204);
    });

    expect(events.map((e) => [e.level, e.event, e.fields])).toEqual([
      [
        0,
        'key.created',
        { keyId: created.id, team: 'team-a', role: 'viewer', name: 'viewer', actor: expect.any(String) },
      ],
      [0, 'key.revoked', { keyId: created.id, actor: expect.any(String) }],
    ]);
    expect(events.map((e) => e.message).join('\n')).not.toContain(created.key);
  });

  it('records a job submitted, cancelled and retried, with the key that acted', async () => {
    const submitter = await createKey('submitter');
    let jobId = '';
    const events = await during(async () => {
      const res = await http().post('/v1/jobs').set(bearer(submitter.key)).send(submission()).expect(201);
      jobId = res.body.id;
      await http().post(`/v1/jobs/${jobId}/cancel`).set(bearer(submitter.key)).expect(200);
      await http().post(`/v1/jobs/${jobId}/retry`).set(bearer(submitter.key)).expect(202);
    });

    const job = { jobId, team: 'team-a', pipeline: 'diabetes-ridge', actor: submitter.id };
    expect(events.map((e) => [e.level, e.event, e.fields])).toEqual([
      [0, 'job.submitted', { ...job, trigger: 'manual', priority: expect.any(Number) }],
      [1, 'job.cancelled', { ...job, while: 'queued' }],
      [0, 'job.retried', { ...job, previousState: 'cancelled' }],
    ]);
  });

  it('records refused calls with why, how and from where, without key material', async () => {
    const viewer = await createKey('viewer');
    const wrong = `ct_${randomUUID()}`;
    const events = await during(async () => {
      await http().get('/v1/jobs').expect(401);
      await http().get('/v1/jobs?cursor=x').set(bearer(wrong)).expect(401);
      await http().post('/v1/jobs').set(bearer(viewer.key)).send(submission()).expect(403);
      await http().get('/admin/queues').auth('ops', wrong).expect(401);
    });

    expect(events.map((e) => [e.level, e.event, e.fields.reason, e.fields.method, e.fields.path])).toEqual([
      [1, 'auth.failed', 'missing_key', 'none', '/v1/jobs'],
      [1, 'auth.failed', 'invalid_key', 'bearer', '/v1/jobs'],
      [1, 'auth.failed', 'insufficient_role', 'bearer', '/v1/jobs'],
      [1, 'auth.failed', 'invalid_key', 'basic', '/admin/queues'],
    ]);
    expect(events[2]?.fields).toMatchObject({ keyId: viewer.id, role: 'viewer', needed: 'submitter' });
    expect(events[0]?.fields.remoteAddress).toEqual(expect.stringContaining('127.0.0.1'));
    const text = events.map((e) => e.message).join('\n');
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(viewer.key);
  });

  it('records model versions approved, rejected and promoted by a person', async () => {
    await registry.model(model, [{}, {}, {}]);
    await registry.alias(model, 'champion', '1');
    await registry.alias(model, 'challenger', '2');
    const approver = await createKey('approver');
    const decide = (kind: string, version: string) =>
      http().post(`/v1/models/${model}/versions/${version}/${kind}`).set(bearer(approver.key)).expect(200);
    const events = await during(async () => {
      await decide('approve', '2');
      await decide('reject', '3');
      await decide('promote', '1');
    });

    const decision = { model, team: 'team-a', actor: approver.id, jobId: null, reason: null };
    expect(events.map((e) => [e.level, e.event, e.fields])).toEqual([
      [0, 'model.approved', { ...decision, version: '2', previousChampion: '1' }],
      [0, 'model.rejected', { ...decision, version: '3', previousChampion: '2' }],
      [0, 'model.promoted', { ...decision, version: '1', previousChampion: '2' }],
    ]);
  });

  it("records a pipeline's score job and its ground truth, with the key that acted", async () => {
    const submitter = await createKey('submitter');
    const pipeline = model.slice('team-a.'.length);
    // The decisions above registered the model when they ran first; alone, this test registers it.
    await registry.model(model, [{}]).catch(() => undefined);
    await registry.alias(model, 'champion', '1');
    const created = await http()
      .post('/v1/pipelines')
      .set(bearer(submitter.key))
      .send({ spec: submission({}, pipeline).spec })
      .expect(201);
    let jobId = '';
    const events = await during(async () => {
      jobId = (
        await http().post(`/v1/pipelines/${pipeline}/scores`).set(bearer(submitter.key)).send({}).expect(202)
      ).body.job.id;
      await http()
        .post(`/v1/pipelines/${pipeline}/ground-truth`)
        .set(bearer(submitter.key))
        .send({ items: [{ rowKey: 'a', outcome: 1 }] })
        .expect(200);
    });

    expect(events.map((e) => [e.level, e.event, e.fields])).toEqual([
      [
        0,
        'job.submitted',
        {
          jobId,
          team: 'team-a',
          pipeline,
          actor: submitter.id,
          trigger: 'manual',
          priority: 100,
          kind: 'score',
          model: 'champion',
          pipelineVersion: 1,
        },
      ],
      [
        0,
        'ground_truth.recorded',
        {
          pipelineId: created.body.id,
          team: 'team-a',
          pipeline,
          actor: submitter.id,
          attached: 0,
          unchanged: 0,
          inserted: 0,
          unknown: 1,
          unknownKeys: 'a',
        },
      ],
    ]);
  });
});
