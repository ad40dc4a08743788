import { randomUUID } from 'node:crypto';
import {
  type ApiKeyRoleName,
  PIPELINE_ROUTES,
  ROLE_GRANTS,
  type RouteContract,
  SCORING_ROUTES,
} from '@ct/shared';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { createPipeline, getPipeline, pipelineBody, pipelineNames } from './pipeline-fixtures.js';
import { servedRoutes } from './registered-routes.js';

type RouteName = keyof typeof PIPELINE_ROUTES;

/**
 * A valid body for each route, for a pipeline named `name`, so that what answers is the access check and
 * not the validation. Typed over the route table: a new route does not compile until it is given one here.
 */
const BODIES: Record<RouteName, (name: string) => object | undefined> = {
  createPipeline: (name) => pipelineBody(name),
  listPipelines: () => undefined,
  getPipeline: () => undefined,
  updatePipeline: () => ({ cooldownSeconds: 10 }),
  enablePipeline: () => undefined,
  disablePipeline: () => undefined,
  deletePipeline: () => undefined,
  listPipelineVersions: () => undefined,
  startPipelineRun: () => ({ priority: 5 }),
  listPipelineTriggers: () => undefined,
  recordDataArrival: () => ({ rows: 10 }),
};

const ROUTES = (Object.entries(PIPELINE_ROUTES) as [RouteName, RouteContract][]).map(([name, route]) => ({
  name,
  route,
  ofOne: route.path.includes(':id'),
}));
const ONE = ROUTES.filter((r) => r.ofOne);
const ROLES = ['viewer', 'submitter', 'approver'] as const;

/** The status a route answers when it works: its one 2xx response. */
function successOf(route: RouteContract): number {
  const statuses = Object.keys(route.responses).map(Number);
  const [ok] = statuses.filter((status) => status >= 200 && status < 300);
  if (ok === undefined) throw new Error(`${route.method} ${route.path} has no 2xx response`);
  return ok;
}

const allows = (role: ApiKeyRoleName, route: RouteContract) =>
  route.auth === 'public' || ROLE_GRANTS[role].includes(route.auth);

describe('who may do what to a registered pipeline (real Postgres and Redis)', () => {
  let api: TestApi;
  const keys = {} as Record<'a' | 'b', Record<(typeof ROLES)[number], string>>;
  let ownerA: string;

  const call = (name: RouteName, ref: string, key: string, pipelineName = ref) => {
    const route = PIPELINE_ROUTES[name];
    const path = route.path.replace(':id', encodeURIComponent(ref));
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    const req = api.http()[method](path).set(bearer(key));
    const body = BODIES[name](pipelineName);
    return body === undefined ? req : req.send(body);
  };

  beforeAll(async () => {
    api = await startTestApi();
    for (const team of ['a', 'b'] as const) {
      keys[team] = { viewer: '', submitter: '', approver: '' };
      for (const role of ROLES) keys[team][role] = await api.key(`team-${team}`, role);
    }
    ownerA = keys.a.submitter;
  });

  afterAll(async () => {
    await api.close();
  });

  it('covers every pipeline route the API serves but the scoring ones (scoring-access.e2e-spec.ts)', () => {
    const scoring = new Set(Object.values(SCORING_ROUTES).map((route) => `${route.method} ${route.path}`));
    const served = servedRoutes(api.app).filter(
      (route) => route.split(' ')[1]?.startsWith('/v1/pipelines') && !scoring.has(route),
    );
    expect(served.sort()).toEqual(ROUTES.map(({ route }) => `${route.method} ${route.path}`).sort());
    expect(ROUTES.map((r) => r.name).sort()).toEqual(Object.keys(BODIES).sort());
  });

  describe('another team', () => {
    let pipeline: { id: string; name: string };
    let before: unknown;

    beforeAll(async () => {
      pipeline = await createPipeline(api, ownerA, pipelineBody('secret-of-a', { cooldownSeconds: 7 }));
      before = await getPipeline(api, ownerA, pipeline.id);
    });

    const cases = ONE.flatMap(({ name, route }) =>
      ROLES.flatMap((role) =>
        (['id', 'name'] as const).map((by) => [route.method, route.path, role, by, name] as const),
      ),
    );

    it.each(cases)("%s %s as team B's %s, by %s: as for a pipeline that does not exist", async (...c) => {
      const [, , role, by, name] = c;
      const ref = by === 'id' ? pipeline.id : pipeline.name;
      const missing = by === 'id' ? randomUUID() : 'no-such-pipeline';
      const res = await call(name, ref, keys.b[role], pipeline.name);
      const expected = allows(role, PIPELINE_ROUTES[name]) ? 404 : 403;
      expect(res.status).toBe(expected);
      expect(res.body.code).toBe(expected === 404 ? 'not_found' : 'forbidden');
      const control = await call(name, missing, keys.b[role], 'no-such-pipeline');
      expect([control.status, control.body.code]).toEqual([res.status, res.body.code]);
      // The same words too, but for the ref the caller sent.
      expect(res.body.message.replace(ref, '<ref>')).toBe(control.body.message.replace(missing, '<ref>'));
    });

    it('leaves the pipeline untouched and out of team B’s list', async () => {
      expect(await getPipeline(api, ownerA, pipeline.id)).toEqual(before);
      for (const role of ROLES) expect(await pipelineNames(api, keys.b[role])).not.toContain('secret-of-a');
      const res = await api
        .http()
        .get(`/v1/pipelines/${pipeline.id}/triggers`)
        .set(bearer(ownerA))
        .expect(200);
      expect(res.body.items).toEqual([]);
    });

    it('lets team B register a pipeline of the same name, which is its own', async () => {
      const own = await createPipeline(api, keys.b.submitter, pipelineBody('secret-of-a'));
      expect(own.id).not.toBe(pipeline.id);
      expect((await getPipeline(api, keys.b.viewer, 'secret-of-a')).id).toBe(own.id);
      expect((await getPipeline(api, ownerA, 'secret-of-a')).id).toBe(pipeline.id);
      await api.http().delete('/v1/pipelines/secret-of-a').set(bearer(keys.b.submitter)).expect(204);
    });
  });

  describe('roles within the team', () => {
    const cases = ROUTES.flatMap(({ name, route, ofOne }) =>
      ROLES.flatMap((role) =>
        (ofOne ? (['id', 'name'] as const) : (['-'] as const)).map(
          (by) =>
            [route.method, route.path, role, by, allows(role, route) ? successOf(route) : 403, name] as const,
        ),
      ),
    );

    it.each(cases)('%s %s as a %s (by %s): %i', async (...c) => {
      const [, , role, by, status, name] = c;
      const pipelineName = `p-${randomUUID().slice(0, 8)}`;
      const created = await createPipeline(api, ownerA, pipelineBody(pipelineName));
      const ref = by === 'id' ? created.id : pipelineName;
      const target = name === 'createPipeline' ? `n-${randomUUID().slice(0, 8)}` : pipelineName;
      const res = await call(name, ref, keys.a[role], target);
      expect(res.status).toBe(status);
      if (status === 403) {
        expect(res.body).toEqual({ code: 'forbidden', message: expect.stringContaining('submitter') });
        expect(await getPipeline(api, ownerA, created.id)).toMatchObject({
          enabled: true,
          cooldownSeconds: 0,
          lastTrigger: null,
        });
        if (name === 'createPipeline') expect(await pipelineNames(api, ownerA)).not.toContain(target);
      }
    });
  });

  describe('an admin', () => {
    it.each(ONE.map(({ name, route }) => [route.method, route.path, name] as const))(
      "%s %s on team A's pipeline by id",
      async (_method, _path, name) => {
        const created = await createPipeline(api, ownerA, pipelineBody(`adm-${randomUUID().slice(0, 8)}`));
        const res = await call(name, created.id, api.adminKey, created.name);
        expect(res.status).toBe(successOf(PIPELINE_ROUTES[name]));
        if (res.status === 200 && 'team' in res.body) expect(res.body.team).toBe('team-a');
      },
    );

    it("lists every team's pipelines, and reads a name in its own team only", async () => {
      const created = await createPipeline(api, ownerA, pipelineBody('seen-by-admin'));
      expect(await pipelineNames(api, api.adminKey)).toContain('seen-by-admin');
      await api.http().get('/v1/pipelines/seen-by-admin').set(bearer(api.adminKey)).expect(404);
      expect((await getPipeline(api, api.adminKey, created.id)).team).toBe('team-a');
    });
  });
});
