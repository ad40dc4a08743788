import { JobEntity } from '../src/entities/job.entity.js';
import { PredictionEntity } from '../src/entities/prediction.entity.js';
import { PipelineTriggers } from '../src/pipelines/pipeline-triggers.js';
import { JobStore } from '../src/store/job-store.js';
import { MonitoringStore } from '../src/store/monitoring-store.js';
import { PipelineStore } from '../src/store/pipeline-store.js';
import { PredictionStore } from '../src/store/prediction-store.js';
import { migratedDatabase } from './database.js';
import { definition, pipelineSpec, unique } from './pipeline-fixtures.js';

const QUOTA = { maxRunning: 100, maxQueued: 100 };
const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('the live loop in Postgres: score and monitor jobs beside training, evaluations (real Postgres)', () => {
  const database = migratedDatabase();
  let pipelines: PipelineStore;
  let jobs: JobStore;
  let triggers: PipelineTriggers;

  beforeAll(async () => {
    pipelines = new PipelineStore(database.dataSource);
    jobs = new JobStore(database.dataSource);
    triggers = new PipelineTriggers(database.dataSource);
  });

  const register = async (cooldownSeconds = 0) => {
    const team = unique('team');
    const created = await pipelines.create(team, definition(unique('p'), { cooldownSeconds }), null);
    if (!created) throw new Error('pipeline exists');
    return created;
  };

  /** A score or monitor job of the pipeline, as the API stores it. */
  const scoringJob = async (
    { pipeline, version }: NonNullable<Awaited<ReturnType<PipelineStore['create']>>>,
    state: 'queued' | 'succeeded',
  ) => {
    const { job } = await jobs.create(pipeline.team, {
      spec: version.spec,
      priority: 100,
      timeoutSeconds: 60,
      maxAttempts: 1,
      tags: {},
      trigger: 'manual',
      kind: 'monitor',
      task: {
        kind: 'monitor',
        model: 'champion',
        windowStart: NOW.toISOString(),
        windowEnd: NOW.toISOString(),
      },
      pipelineId: pipeline.id,
      pipelineVersion: version.version,
    });
    if (state === 'succeeded')
      await database.dataSource
        .getRepository(JobEntity)
        .update(job.id, { state, finishedAt: new Date(NOW.getTime() - 1000) });
    return job;
  };

  it('a queued monitor job is no run in progress, and a finished one starts no cool-down: the trigger starts a run', async () => {
    const registered = await register(3600);
    const queued = await scoringJob(registered, 'queued');
    await scoringJob(registered, 'succeeded');
    expect(queued).toMatchObject({ kind: 'monitor', state: 'queued', pipelineId: registered.pipeline.id });

    const sut = await triggers.fire({
      pipelineId: registered.pipeline.id,
      kind: 'performance',
      quota: QUOTA,
      now: NOW,
    });
    expect(sut).toMatchObject({
      kind: 'recorded',
      record: { outcome: 'started' },
      job: { kind: 'train', task: null },
    });
  });

  it('a degradation firing reads the data since the window start, up to its high-water mark', async () => {
    const registered = await register();
    const since = new Date(NOW.getTime() - 3_600_000);
    const sut = await triggers.fire({
      pipelineId: registered.pipeline.id,
      kind: 'performance',
      figures: { metric: 'r2', value: -4.2 },
      dataSince: since,
      quota: QUOTA,
      now: NOW,
    });
    if (sut.kind !== 'recorded' || !sut.job) throw new Error(`no run started: ${JSON.stringify(sut)}`);
    expect(sut.job.spec.data).toMatchObject({ since: since.toISOString(), until: NOW.toISOString() });
    expect(sut.record.figures).toMatchObject({ metric: 'r2', value: -4.2 });
  });

  it('a spec without a time column is read whole: since needs one', async () => {
    const team = unique('team');
    const created = await pipelines.create(
      team,
      definition(unique('p'), { spec: pipelineSpec('p', { data: { source: 'sklearn', name: 'diabetes' } }) }),
      null,
    );
    const sut = await triggers.fire({
      pipelineId: created?.pipeline.id ?? '',
      kind: 'performance',
      dataSince: new Date(NOW.getTime() - 60_000),
      quota: QUOTA,
      now: NOW,
    });
    expect(sut).toMatchObject({
      kind: 'recorded',
      job: { spec: { data: { source: 'sklearn', name: 'diabetes' } } },
    });
    if (sut.kind === 'recorded') expect(sut.job?.spec.data).not.toHaveProperty('since');
  });

  it('records one evaluation per monitor job, however often it is recorded, and returns the series oldest first', async () => {
    const registered = await register();
    const sut = new MonitoringStore(database.dataSource);
    const evaluation = (job: JobEntity, r2: number) => ({
      team: registered.pipeline.team,
      pipelineId: registered.pipeline.id,
      jobId: job.id,
      modelVersion: '1',
      windowStart: NOW,
      windowEnd: NOW,
      samples: 10,
      scored: 12,
      metrics: { r2 },
      drift: null,
      driftSkipped: 'no reference sample',
      mlflowRunId: null,
    });
    const first = await scoringJob(registered, 'succeeded');
    const second = await scoringJob(registered, 'succeeded');
    const recorded = await sut.record(evaluation(first, 0.1));
    expect(await sut.record(evaluation(first, 0.9))).toMatchObject({ id: recorded.id, metrics: { r2: 0.1 } });
    // The series is ordered by created_at (milliseconds): two evaluations in one millisecond have no order.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sut.record(evaluation(second, 0.5));
    expect((await sut.series(registered.pipeline.id, 10)).map((e) => [e.jobId, e.metrics.r2])).toEqual([
      [first.id, 0.1],
      [second.id, 0.5],
    ]);
    expect((await sut.series(registered.pipeline.id, 1)).map((e) => e.jobId)).toEqual([second.id]);
  });

  it('attaches ground truth observed at any ISO 8601 offset (Postgres takes no more than ±15:59)', async () => {
    const { pipeline } = await register();
    const owner = { pipelineId: pipeline.id, team: pipeline.team };
    await database.dataSource.getRepository(PredictionEntity).insert({
      ...owner,
      jobId: null,
      rowKey: 'r1',
      prediction: 1,
      scoredAt: NOW,
    });
    const sut = new PredictionStore(database.dataSource);
    const result = await sut.recordGroundTruth(owner, {
      items: [{ rowKey: 'r1', outcome: 2, observedAt: '5209-03-19T23:24:03.623+17:46' }],
    });
    expect(result).toEqual({ attached: 1, unchanged: 0, unknownKeys: [], inserted: 0 });
    const [row] = await database.dataSource
      .getRepository(PredictionEntity)
      .findBy({ pipelineId: pipeline.id });
    expect(row?.observedAt?.toISOString()).toBe('5209-03-19T05:38:03.623Z');
  });
});
