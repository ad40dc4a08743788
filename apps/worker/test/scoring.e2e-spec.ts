import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobEntity, PipelineEntity } from '@ct/db';
import { waitFor } from '@ct/test-support';
import type { INestApplicationContext } from '@nestjs/common';
import { WorkerMetrics } from '../src/observability/worker-metrics.js';
import { groupGone } from './support/processes.js';
import { ScoringWorld } from './support/scoring-world.js';
import { spec, TEAM, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 180_000;
const FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
const ROWS = [1, 2, 3, 4, 5].map((i) => ({
  id: `p${i}`,
  ...Object.fromEntries(FEATURES.map((name, j) => [name, Number(((i - 3) * 0.02 + j * 0.004).toFixed(4))])),
}));
const OUTCOMES = [120, 80, 150, 200, 95];

const linearSpec = (name: string) =>
  spec({ pipeline: name, model: { estimator: 'sklearn.linear_model.LinearRegression' } });

/** r2, mae and rmse as scikit-learn computes them. */
function liveMetrics(predicted: number[], observed: number[]) {
  const n = observed.length;
  const mean = observed.reduce((sum, y) => sum + y, 0) / n;
  const residuals = observed.map((y, i) => y - (predicted[i] as number));
  const squared = residuals.reduce((sum, r) => sum + r * r, 0);
  const total = observed.reduce((sum, y) => sum + (y - mean) ** 2, 0);
  return {
    r2: 1 - squared / total,
    mae: residuals.reduce((sum, r) => sum + Math.abs(r), 0) / n,
    rmse: Math.sqrt(squared / n),
  };
}

async function experimentName(fx: TrainingFixture, id: string | null): Promise<string> {
  const url = `${fx.config.mlflowTrackingUri}/api/2.0/mlflow/experiments/get?experiment_id=${id}`;
  const body = (await (await fetch(url)).json()) as { experiment: { name: string } };
  return body.experiment.name;
}

async function cacheCount(app: INestApplicationContext, outcome: 'hit' | 'miss'): Promise<number> {
  const text = await app.get(WorkerMetrics).exposition();
  const line = new RegExp(`^ct_model_cache_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
  return Number(line?.[1] ?? 0);
}

describe('score and monitor jobs end to end (worker in-process; real Postgres, Redis, MLflow, Python)', () => {
  let fx: TrainingFixture;
  let world: ScoringWorld;
  let app: INestApplicationContext;
  let pipeline: PipelineEntity;
  let champion: JobEntity;
  let firstScore: JobEntity;

  beforeAll(async () => {
    fx = await TrainingFixture.create();
    world = new ScoringWorld(fx);
    app = await fx.startWorker();
    pipeline = await world.register(linearSpec);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await fx?.close();
  });

  it(
    'fails score and monitor jobs of a pipeline without a champion as invalid input',
    async () => {
      const scored = await fx.waitUntilFinished((await world.score(pipeline, { rows: ROWS })).id, 120_000);
      expect(scored).toMatchObject({ kind: 'score', state: 'failed', failureReason: 'invalid_input' });
      expect(scored.failureMessage).toMatch(/champion/);
      const monitored = await fx.waitUntilFinished((await world.monitor(pipeline)).id, 60_000);
      expect(monitored).toMatchObject({ kind: 'monitor', state: 'failed', failureReason: 'invalid_input' });
      expect(monitored.failureMessage).toContain(`pipeline ${pipeline.name} has no champion yet`);
      expect(await world.stored(scored.id)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails a score job asking for the IRIS mirror on a worker without CT_IRIS_URL, before any attempt',
    async () => {
      expect(fx.config.irisUrl).toBeNull(); // this test's worker has no IRIS (none can run here)
      const job = await world.score(pipeline, { rows: ROWS, mirrorToIris: true });
      const failed = await fx.waitUntilFinished(job.id, 60_000);
      expect(failed).toMatchObject({
        state: 'failed',
        failureReason: 'invalid_input',
        failureMessage: 'mirrorToIris needs CT_IRIS_URL on the worker',
        attempts: 0,
        mlflowRunId: null,
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'scores inline rows with the champion: every prediction stored with its version and run, as the model predicts',
    async () => {
      const trained = await fx.submit({ spec: linearSpec(pipeline.name) });
      champion = await fx.waitUntilFinished(trained.id, 150_000);
      expect(champion).toMatchObject({ state: 'succeeded', modelVersion: '1' });

      const submitted = await world.score(pipeline, { rows: ROWS });
      firstScore = await fx.waitUntilFinished(submitted.id, 120_000);
      const registered = `${TEAM}.${pipeline.name}`;
      expect(firstScore).toMatchObject({
        state: 'succeeded',
        attempts: 1,
        modelVersion: '1',
        registeredModel: registered,
        modelUri: `models:/${registered}/1`,
        decision: null,
      });
      expect(firstScore.metrics).toMatchObject({ rows: 5 });
      expect(firstScore.metrics.rows_per_second).toBeGreaterThan(0);
      expect(firstScore.metrics.inference_seconds).toBeGreaterThanOrEqual(0);

      const stored = await world.stored(firstScore.id);
      expect(stored.map((row) => row.rowKey)).toEqual(ROWS.map((row) => row.id));
      for (const row of stored) {
        expect(row).toMatchObject({ modelVersion: '1', runId: champion.mlflowRunId, outcome: null });
        expect(row.featuresHash).toMatch(/^[0-9a-f]{64}$/);
      }
      const features = ROWS.map(({ id: _, ...values }) => values);
      const expected = await world.predict(`models:/${registered}/1`, features);
      for (const [i, row] of stored.entries()) expect(row.prediction).toBeCloseTo(expected[i] as number, 9);

      const run = await fx.mlflow.getRun(firstScore.mlflowRunId ?? '');
      expect(run).toMatchObject({ status: 'FINISHED', tags: { 'ct.job_id': firstScore.id } });
      expect(await experimentName(fx, firstScore.mlflowExperimentId)).toBe(
        `ct/${TEAM}/${pipeline.name}/scoring`,
      );
      // A score job registers nothing: the registry's record has the training job's version only.
      expect(await fx.dataSource.query('SELECT job_id FROM model_decisions')).toEqual(
        expect.not.arrayContaining([{ job_id: firstScore.id }]),
      );
      // The training job on this worker put the version it registered in the worker's cache.
      expect([await cacheCount(app, 'hit'), await cacheCount(app, 'miss')]).toEqual([1, 0]);
      expect(await readdir(fx.config.workDir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "scores the pipeline's own data source, downloading the version once when it is not cached: a miss, counted",
    async () => {
      // As on a worker that did not train the version.
      await rm(join(fx.config.modelCacheDir, `${TEAM}.${pipeline.name}`), { recursive: true, force: true });
      const job = await fx.waitUntilFinished((await world.score(pipeline)).id, 120_000);
      expect(job).toMatchObject({ state: 'succeeded', modelVersion: '1' });
      const stored = await world.stored(job.id);
      // The sklearn diabetes data: 442 rows, without an id column: keys are the job's and the row's index.
      expect(job.metrics.rows).toBe(442);
      expect(stored).toHaveLength(442);
      expect(stored.map((row) => row.rowKey)).toContain(`${job.id}:0`);
      expect([await cacheCount(app, 'hit'), await cacheCount(app, 'miss')]).toEqual([1, 1]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'monitors the window: one evaluation whose metrics are those of the labelled predictions',
    async () => {
      const labelled = await world.predictions.recordGroundTruth(
        { pipelineId: pipeline.id, team: TEAM },
        { items: ROWS.map((row, i) => ({ rowKey: row.id, outcome: OUTCOMES[i] as number })) },
      );
      expect(labelled).toMatchObject({ attached: 5, unknownKeys: [] });

      const job = await fx.waitUntilFinished((await world.monitor(pipeline)).id, 120_000);
      expect(job).toMatchObject({ kind: 'monitor', state: 'succeeded', modelVersion: '1' });
      const [evaluation, ...others] = await world.monitoring.series(pipeline.id, 10);
      expect(others).toEqual([]);
      expect(evaluation).toMatchObject({
        jobId: job.id,
        team: TEAM,
        modelVersion: '1',
        samples: 5,
        scored: 5 + 442,
        mlflowRunId: job.mlflowRunId,
      });
      const predicted = (await world.stored(firstScore.id)).map((row) => row.prediction);
      const expected = liveMetrics(predicted, OUTCOMES);
      for (const [name, value] of Object.entries(expected)) {
        expect(evaluation?.metrics[name]).toBeCloseTo(value, 6);
        expect(job.metrics[name]).toBeCloseTo(value, 6);
      }
      expect(job.metrics.samples).toBe(5);
      expect(evaluation?.drift !== null || evaluation?.driftSkipped !== null).toBe(true);
      expect(await fx.mlflow.getRun(job.mlflowRunId ?? '')).toMatchObject({ status: 'FINISHED' });
      expect(await experimentName(fx, job.mlflowExperimentId)).toBe(`ct/${TEAM}/${pipeline.name}/monitoring`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cancels a running score job: run KILLED, process group gone, nothing stored, no exchange dir left',
    async () => {
      const synthetic = await world.register((name) =>
        spec({
          pipeline: name,
          data: { source: 'synthetic', rows: 200, features: 5, seed: 1 },
          model: { estimator: 'sklearn.linear_model.LinearRegression' },
        }),
      );
      const trained = await fx.waitUntilFinished(
        (await fx.submit({ spec: linearSpecOf(synthetic) })).id,
        150_000,
      );
      expect(trained.state).toBe('succeeded');

      const submitted = await world.score(synthetic, {
        source: { source: 'synthetic', rows: 5_000_000, features: 5, seed: 2, noise: 0.1 },
      });
      const pid = await fx.pipelinePid(submitted.id);
      await waitFor(
        'the score child to start predicting',
        async () =>
          (await fx.events.after(submitted.id)).some(
            (event) => event.type === 'step.started' && event.step === 'evaluation',
          ),
        { timeoutMs: 90_000 },
      );
      await fx.publishCancel(submitted.id);
      const job = await fx.waitUntilFinished(submitted.id, 30_000);
      expect(job).toMatchObject({ state: 'cancelled', failureReason: 'cancelled' });
      expect(await fx.mlflow.getRun(job.mlflowRunId ?? '')).toMatchObject({ status: 'KILLED' });
      expect(groupGone(pid)).toBe(true);
      expect(await world.stored(job.id)).toEqual([]);
      expect(await readdir(fx.config.workDir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

function linearSpecOf(pipeline: PipelineEntity) {
  return spec({
    pipeline: pipeline.name,
    data: { source: 'synthetic', rows: 200, features: 5, seed: 1 },
    model: { estimator: 'sklearn.linear_model.LinearRegression' },
  });
}
