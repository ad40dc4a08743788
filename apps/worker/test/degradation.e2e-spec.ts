import type { PipelineEntity, TriggerRecordEntity } from '@ct/db';
import { TriggerRecordEntity as TriggerRecords } from '@ct/db';
import { waitFor } from '@ct/test-support';
import { ScoringWorld } from './support/scoring-world.js';
import { spec, TEAM, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 240_000;
const FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
const ROWS = Array.from({ length: 6 }, (_, i) => ({
  id: `d${i}`,
  ...Object.fromEntries(FEATURES.map((name, j) => [name, Number(((i - 3) * 0.02 + j * 0.004).toFixed(4))])),
}));

const linearSpec = (name: string) =>
  spec({ pipeline: name, model: { estimator: 'sklearn.linear_model.LinearRegression' } });

describe('the degradation trigger after an evaluation (worker in-process; real Postgres, Redis, MLflow, Python)', () => {
  let fx: TrainingFixture;
  let world: ScoringWorld;
  let pipeline: PipelineEntity;

  const records = async (): Promise<TriggerRecordEntity[]> =>
    fx.dataSource
      .getRepository(TriggerRecords)
      .find({ where: { pipelineId: pipeline.id }, order: { firedAt: 'ASC' } });

  beforeAll(async () => {
    fx = await TrainingFixture.create();
    world = new ScoringWorld(fx);
    await fx.startWorker();
    pipeline = await world.register(linearSpec);
    const champion = await fx.waitUntilFinished(
      (await fx.submit({ spec: linearSpec(pipeline.name) })).id,
      150_000,
    );
    expect(champion).toMatchObject({ state: 'succeeded', modelVersion: '1' });
    const scored = await fx.waitUntilFinished((await world.score(pipeline, { rows: ROWS })).id, 120_000);
    expect(scored.state).toBe('succeeded');
    // Outcomes far from anything the model predicts: r2 well below 0.2.
    await world.predictions.recordGroundTruth(
      { pipelineId: pipeline.id, team: TEAM },
      { items: ROWS.map((row, i) => ({ rowKey: row.id, outcome: i % 2 === 0 ? 1000 : -1000 })) },
    );
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await fx?.close();
  });

  it(
    'does not fire with fewer labelled predictions than minSamples',
    async () => {
      await world.pipelines.update(
        pipeline.id,
        { triggers: { degradation: { metric: 'r2', threshold: 0.2, minSamples: 7, windowSeconds: 600 } } },
        null,
      );
      const job = await fx.waitUntilFinished((await world.monitor(pipeline)).id, 120_000);
      expect(job).toMatchObject({ state: 'succeeded', metrics: { samples: 6 } });
      expect(job.metrics.r2).toBeLessThan(0.2);
      expect(await records()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fires one retraining run that reads the data since the window start, queued in ct-training; the next firing is suppressed',
    async () => {
      await world.pipelines.update(
        pipeline.id,
        {
          triggers: { degradation: { metric: 'r2', threshold: 0.2, minSamples: 6, windowSeconds: 600 } },
          cooldownSeconds: 3600,
        },
        null,
      );
      const before = Date.now();
      const monitor = await fx.waitUntilFinished((await world.monitor(pipeline)).id, 120_000);
      expect(monitor.state).toBe('succeeded');
      const [started, ...rest] = await records();
      expect(rest).toEqual([]);
      expect(started).toMatchObject({ kind: 'performance', outcome: 'started', reason: null });
      expect(started?.figures).toMatchObject({ metric: 'r2', threshold: 0.2, samples: 6, minSamples: 6 });
      expect(Number(started?.figures.value)).toBeCloseTo(monitor.metrics.r2 ?? Number.NaN, 9);
      const windowStart = Date.parse(String(started?.figures.windowStart));
      expect(windowStart).toBeGreaterThanOrEqual(before - 600_000 - 1000);
      expect(windowStart).toBeLessThanOrEqual(Date.now() - 600_000);

      const retrain = await fx.waitUntilFinished(started?.jobId ?? '', 150_000);
      expect(retrain).toMatchObject({
        kind: 'train',
        trigger: 'performance',
        pipelineId: pipeline.id,
        triggerId: started?.id,
        state: 'succeeded',
      });

      // Version 1's predictions again (the retrained version may be the champion now, with none of its own).
      const again = await fx.waitUntilFinished((await world.monitor(pipeline, { model: '1' })).id, 120_000);
      expect(again.state).toBe('succeeded');
      await waitFor(
        'the second firing to be recorded',
        async () => ((await records()).length === 2 ? true : undefined),
        {
          timeoutMs: 10_000,
        },
      );
      const second = (await records())[1];
      expect(second).toMatchObject({
        kind: 'performance',
        outcome: 'suppressed',
        reason: 'cooldown',
        jobId: null,
      });
    },
    TEST_TIMEOUT_MS,
  );
});
