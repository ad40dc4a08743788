import { randomUUID } from 'node:crypto';
import { type ApiKeyRoleName, ROLE_GRANTS, type RouteContract, SCORING_ROUTES } from '@ct/shared';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';
import { createPipeline, pipelineBody } from './pipeline-fixtures.js';
import { insertPredictions } from './scoring-fixtures.js';

type RouteName = keyof typeof SCORING_ROUTES;

/** A valid body for each route: what answers is the access check. A new route does not compile without one. */
const BODIES: Record<RouteName, object | undefined> = {
  submitScores: { rows: [{ id: 'r1', age: 0.1 }] },
  listPredictions: undefined,
  recordGroundTruth: { items: [{ rowKey: 'k1', outcome: 1 }] },
  submitMonitor: { windowSeconds: 3600 },
  getPerformance: undefined,
};
const ROUTES = Object.entries(SCORING_ROUTES) as [RouteName, RouteContract][];
const ROLES = ['viewer', 'submitter', 'approver'] as const;

const allows = (role: ApiKeyRoleName, route: RouteContract) =>
  route.auth === 'public' || ROLE_GRANTS[role].includes(route.auth);

describe("who may score, label and monitor a team's pipeline (real Postgres, Redis and MLflow registry)", () => {
  let api: TestApi;
  let registry: RegistryFixture;
  const keys = {} as Record<'a' | 'b', Record<(typeof ROLES)[number], string>>;
  const name = `guarded-${randomUUID().slice(0, 8)}`;
  let pipeline: { id: string; name: string; team: string };

  const call = (route: RouteName, ref: string, key: string) => {
    const { method, path } = SCORING_ROUTES[route];
    const req = api
      .http()
      [method.toLowerCase() as 'get' | 'post'](path.replace(':id', encodeURIComponent(ref)))
      .set(bearer(key));
    const body = BODIES[route];
    return body === undefined ? req : req.send(body);
  };

  beforeAll(async () => {
    api = await startTestApi();
    registry = new RegistryFixture(api.config.mlflowTrackingUri);
    for (const team of ['a', 'b'] as const) {
      keys[team] = { viewer: '', submitter: '', approver: '' };
      for (const role of ROLES) keys[team][role] = await api.key(`team-${team}`, role);
    }
    pipeline = await createPipeline(api, keys.a.submitter, pipelineBody(name));
    await registry.model(`team-a.${name}`, [{}]);
    await registry.alias(`team-a.${name}`, 'champion', '1');
    await insertPredictions(api, pipeline, [{ rowKey: 'k1', prediction: 2 }]);
  });

  afterAll(async () => {
    await registry?.delete(`team-a.${name}`);
    await api?.close();
  });

  const cases = ROUTES.flatMap(([route, contract]) =>
    ROLES.flatMap((role) =>
      (['id', 'name'] as const).map((by) => [contract.method, contract.path, role, by, route] as const),
    ),
  );

  it.each(cases)("%s %s as team B's %s, by %s: as for a pipeline that does not exist", async (...c) => {
    const [, , role, by, route] = c;
    const ref = by === 'id' ? pipeline.id : pipeline.name;
    const missing = by === 'id' ? randomUUID() : 'no-such-pipeline';
    const res = await call(route, ref, keys.b[role]);
    const expected = allows(role, SCORING_ROUTES[route]) ? 404 : 403;
    expect([res.status, res.body.code]).toEqual([expected, expected === 404 ? 'not_found' : 'forbidden']);
    const control = await call(route, missing, keys.b[role]);
    expect([control.status, control.body.code]).toEqual([res.status, res.body.code]);
    expect(res.body.message.replace(ref, '<ref>')).toBe(control.body.message.replace(missing, '<ref>'));
  });

  it("leaves team A's pipeline untouched by team B: no job, no label", async () => {
    const jobs = await api.http().get(`/v1/jobs?pipeline=${name}`).set(bearer(api.adminKey)).expect(200);
    expect(jobs.body.items.filter((job: { team: string }) => job.team === 'team-a')).toEqual([]);
    const page = await api
      .http()
      .get(`/v1/pipelines/${name}/predictions`)
      .set(bearer(keys.a.viewer))
      .expect(200);
    expect(page.body.items.map((p: { outcome: number | null }) => p.outcome)).toEqual([null]);
  });

  it.each(
    ROUTES.flatMap(([route, contract]) =>
      ROLES.map((role) => [contract.method, contract.path, role, route] as const),
    ),
  )("%s %s as team A's %s", async (_method, _path, role, route) => {
    const contract = SCORING_ROUTES[route];
    const res = await call(route, name, keys.a[role]);
    const ok = Number(Object.keys(contract.responses)[0]);
    expect(res.status).toBe(allows(role, contract) ? ok : 403);
  });

  it("lets an admin act on team A's pipeline by id", async () => {
    for (const [route, contract] of ROUTES) {
      const res = await call(route, pipeline.id, api.adminKey);
      expect(res.status).toBe(Number(Object.keys(contract.responses)[0]));
    }
  });
});
