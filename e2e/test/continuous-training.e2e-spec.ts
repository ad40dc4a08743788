import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job, PerformanceSeries, Pipeline, PredictionPage, TriggerPage } from '@ct/shared';
import { runToEnd } from '@ct/test-support';
import { deleteRegisteredModel, mlflowGet } from './mlflow.js';
import { client, type Stack, startStack } from './stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe("docs/continuous-training.md's loop, run as written (scripts/demo-continuous-training.sh)", () => {
  let stack: Stack;
  let dataRoot: string;
  let demo: { code: number | null; output: string };

  beforeAll(async () => {
    dataRoot = await mkdtemp(join(tmpdir(), 'ct-e2e-points-'));
    stack = await startStack({ workerEnv: { CT_DATA_ROOT: dataRoot, WORKER_CONCURRENCY: '2' } });
    // As on a fresh MLflow (CI's): a champion left by an earlier run of this test would be compared with the
    // experiment's model on the same data, a tie that keeps it.
    await deleteRegisteredModel(stack.mlflowUri, 'platform.points');
    demo = await runToEnd('bash', [join(ROOT, 'scripts/demo-continuous-training.sh')], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CT_API_URL: stack.apiUrl,
      CT_API_KEY: stack.adminKey,
      CT_DATA_ROOT: dataRoot,
    });
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    await rm(dataRoot, { recursive: true, force: true });
  });

  it('runs every block to the end, announcing the three steps', () => {
    if (demo.code !== 0) console.error(demo.output);
    expect(demo.code).toBe(0);
    expect(demo.output).toMatch(/step 1 of 3[\s\S]*step 2 of 3[\s\S]*step 3 of 3/);
  });

  it('retrains once on the recent data when R² falls below 0.2, promotes the new model, and records the suppressed second burst', async () => {
    const api = client(stack);
    const triggers = (await api.call('GET', '/v1/pipelines/points/triggers?limit=10')).body as TriggerPage;
    expect(triggers.items.map((r) => [r.kind, r.outcome, r.reason])).toEqual([
      ['performance', 'suppressed', 'cooldown'],
      ['performance', 'started', null],
    ]);
    const [suppressed, started] = triggers.items;
    // The experiment, submitted before the pipeline was registered: no pipeline run, so no cool-down.
    const jobs = (await api.call('GET', '/v1/jobs?pipeline=points&limit=50')).body as { items: Job[] };
    const first = jobs.items.find((job) => job.kind === 'train' && job.trigger === 'manual') as Job;
    expect(first.pipelineId).toBeNull();
    const retrain = await api.get(started?.jobId ?? '');
    expect(first).toMatchObject({ state: 'succeeded', decision: { outcome: 'promote' } });
    // The run reads the data since the window's start: the line-2 points of the last hour, not line 1's.
    expect(started?.figures).toMatchObject({ metric: 'r2', threshold: 0.2, samples: 100 });
    expect(Number(started?.figures.value)).toBeLessThan(0.2);
    expect(retrain).toMatchObject({
      trigger: 'performance',
      state: 'succeeded',
      decision: { outcome: 'promote' },
      spec: { data: { since: started?.figures.windowStart } },
    });
    expect(Number(suppressed?.figures.value)).toBeLessThan(0.2);
    const pipeline = (await api.call('GET', '/v1/pipelines/points')).body as Pipeline;
    expect(pipeline.champion?.version).toBe(retrain.modelVersion);

    const series = ((await api.call('GET', '/v1/pipelines/points/performance')).body as PerformanceSeries)
      .items;
    expect(series.map((e) => [e.modelVersion, e.samples])).toEqual([
      [first.modelVersion, 100],
      [retrain.modelVersion, 100],
      [retrain.modelVersion, 200],
    ]);
    const r2 = series.map((e) => e.metrics.r2 ?? Number.NaN);
    expect(r2[0]).toBeLessThan(0.2);
    expect(r2[1]).toBeGreaterThan(0.9);
    expect(r2[2]).toBeLessThan(0.2);
    expect(series.every((e) => e.mlflowRunId !== null && e.metrics.mae !== undefined)).toBe(true);
  });

  it('stores every prediction with the version that made it: 100 by the first champion, 200 by its successor', async () => {
    const api = client(stack);
    const jobs = (await api.call('GET', '/v1/jobs?pipeline=points&limit=50')).body as { items: Job[] };
    const trained = jobs.items.filter((job) => job.kind === 'train').map((job) => job.modelVersion);
    const count = async (version: string | null | undefined) =>
      (
        (await api.call('GET', `/v1/pipelines/points/predictions?modelVersion=${version}&limit=1000`))
          .body as PredictionPage
      ).items.length;
    expect(trained).toHaveLength(2);
    const [newer, older] = trained;
    expect([await count(older), await count(newer)]).toEqual([100, 200]);
    const scores = jobs.items.filter((job) => job.kind === 'score');
    expect(scores.map((job) => [job.state, job.modelVersion])).toEqual([
      ['succeeded', newer],
      ['succeeded', newer],
      ['succeeded', older],
    ]);
  });

  it("logs one MLflow run per evaluation in the pipeline's monitoring experiment, with the plot and the drift report", async () => {
    const name = encodeURIComponent('ct/platform/points/monitoring');
    const { experiment } = await mlflowGet<{ experiment: { experiment_id: string } }>(
      stack.env.MLFLOW_TRACKING_URI ?? '',
      `experiments/get-by-name?experiment_name=${name}`,
    );
    const series = (
      (await client(stack).call('GET', '/v1/pipelines/points/performance')).body as PerformanceSeries
    ).items;
    for (const evaluation of series) {
      const { files } = await mlflowGet<{ files?: { path: string }[] }>(
        stack.env.MLFLOW_TRACKING_URI ?? '',
        `artifacts/list?run_id=${evaluation.mlflowRunId}&path=plots`,
      );
      expect(files?.map((f) => f.path)).toContain('plots/predicted_vs_observed.png');
    }
    expect(experiment.experiment_id).toBeTruthy();
  });
});
