import { fileURLToPath } from 'node:url';
import type { JobLogs, JobPage, ProjectView } from '@ct/shared';
import { docBlocks, runToEnd } from '@ct/test-support';
import { deleteRegisteredModel, getRun, tagsOf } from './mlflow.js';
import { client, type Stack, startStack } from './stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// runs doc blocks: docs/pipeline-spec.md "### Custom training code: functions and MLflow Projects" 1
/** The bash blocks of the section, in order. */
const blocks = () =>
  docBlocks(ROOT, 'docs/pipeline-spec.md', '### Custom training code: functions and MLflow Projects');

let stack: Stack;

describe("docs/pipeline-spec.md's custom training code commands (the built api and a worker, real MLflow)", () => {
  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
    // A champion left by an earlier run of this test would tie with the new model.
    await deleteRegisteredModel(stack.mlflowUri, 'platform.diabetes-stock');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('pushes a stock MLflow Project and a function project and runs a job of each from the upload, as written', async () => {
    const [block] = blocks();
    const sut = await runToEnd('bash', ['-euo', 'pipefail', '-c', `cd ${JSON.stringify(ROOT)}\n${block}`], {
      PATH: process.env.PATH,
      CT_API_URL: stack.apiUrl,
      CT_API_KEY: stack.adminKey,
    });
    expect([sut.code, sut.code === 0 ? '' : sut.output]).toEqual([0, '']);
    expect(sut.output).toMatch(/uploaded: lgbm-stock@[0-9a-f]{64}/);
    expect(sut.output).toMatch(/uploaded: ridge-custom@[0-9a-f]{64}/);
    const api = client(stack);
    const newest = async (name: string) =>
      ((await api.call('GET', `/v1/projects/${name}`)).body as ProjectView).versions[0]?.ref;
    const jobsOf = async (pipeline: string) =>
      ((await api.call('GET', `/v1/jobs?pipeline=${pipeline}`)).body as JobPage).items;

    // The stock project: run as written for `mlflow run`, in the environment its python_env.yaml declares;
    // the model its autologging logged is the one judged and promoted.
    const [stock] = await jobsOf('diabetes-stock');
    expect(stock).toMatchObject({
      state: 'succeeded',
      spec: { model: { mlproject: expect.objectContaining({ project: await newest('lgbm-stock') }) } },
      modelVersion: '1',
      decision: expect.objectContaining({ alias: 'champion' }),
    });
    expect(stock?.modelUri).toMatch(/^models:\/m-[0-9a-f]+$/);
    const { text: log } = (await api.call('GET', `/v1/jobs/${stock?.id}/logs`)).body as JobLogs;
    // Built by this job, or by an earlier job on this host (the test suite's Python tests build it too).
    expect(log).toMatch(/the project's environment (is built|[0-9a-f]{12} is reused from this host)/);
    expect(log).toContain("took the model the MLflow Project logged, 'model'");
    expect(log).toContain('lightgbm flavor');
    const run = await getRun(stack.mlflowUri, stock?.mlflowRunId ?? '');
    expect(tagsOf(run)).toMatchObject({
      'ct.model_source': 'mlproject-logged',
      'ct.project_env': expect.any(String),
    });

    const [custom] = await jobsOf('diabetes-custom');
    expect(custom).toMatchObject({
      state: 'succeeded',
      spec: { model: { custom: expect.objectContaining({ project: await newest('ridge-custom') }) } },
    });
  }, 600_000);
});
