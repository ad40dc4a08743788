import { waitFor } from '@ct/test-support';
import { groupGone } from './support/processes.js';
import { LONG_SPEC, spec, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 180_000;

describe('training jobs end to end (worker in-process; real Postgres, Redis, MLflow, Python)', () => {
  let fx: TrainingFixture;

  beforeAll(async () => {
    fx = await TrainingFixture.create();
    await fx.startWorker();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await fx?.close();
  });

  it(
    'trains a LightGBM regressor on the diabetes data and records everything',
    async () => {
      const submitted = await fx.submit({ spec: spec(), params: { n_estimators: 20 } });
      const job = await fx.waitUntilFinished(submitted.id, 150_000);
      expect(job).toMatchObject({
        state: 'succeeded',
        attempts: 1,
        progressFraction: 1,
        failureReason: null,
      });
      expect(Object.keys(job.metrics)).toEqual(expect.arrayContaining(['rmse', 'mae', 'r2']));
      expect(job.modelUri).toMatch(/^models:\//);
      expect(job.finishedAt).not.toBeNull();

      const run = await fx.mlflow.getRun(job.mlflowRunId ?? '');
      expect(run).toMatchObject({
        status: 'FINISHED',
        experimentId: job.mlflowExperimentId,
        tags: { 'ct.job_id': job.id, 'ct.team': 'team-e2e', 'ct.attempt': '1', 'ct.trigger': 'manual' },
      });
      expect(await fx.jobs.attempts(job.id)).toMatchObject([
        { attempt: 1, outcome: 'succeeded', mlflowRunId: job.mlflowRunId, finishedAt: expect.any(Date) },
      ]);

      const events = await fx.events.after(job.id);
      const types = events.map((event) => (event.type === 'state' ? `state:${event.state}` : event.type));
      expect(types[0]).toBe('state:running');
      expect(types.at(-1)).toBe('state:succeeded');
      expect(types).toEqual(expect.arrayContaining(['step.started', 'step.finished', 'metric']));
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'step.finished', step: 'training', status: 'ok' }),
      );

      const log = (await fx.logs.read(job.id)).text;
      expect(log).toContain(`attempt 1 of 3 started`);
      expect(log).toContain(`MLflow run ${job.mlflowRunId}`);
      expect(log).toMatch(/pipeline ended: exit code 0 after \d+\.\d s/);
      expect(log).toContain('succeeded:');

      const bullJob = await fx.queue.getJob(job.id);
      expect(await bullJob?.getState()).toBe('completed');
      expect(bullJob?.returnvalue).toEqual({ state: 'succeeded' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails a job with an unknown model param as invalid input, without retrying it',
    async () => {
      const submitted = await fx.submit({ spec: spec(), params: { no_such_param: 1 } });
      const job = await fx.waitUntilFinished(submitted.id, 120_000);
      expect(job).toMatchObject({ state: 'failed', failureReason: 'invalid_input', attempts: 1 });
      expect(job.failureMessage).toContain('no_such_param');
      expect(await fx.mlflow.getRun(job.mlflowRunId ?? '')).toMatchObject({ status: 'FAILED' });
      const bullJob = await waitFor('BullMQ to fail the job', async () => {
        const found = await fx.queue.getJob(job.id);
        return (await found?.getState()) === 'failed' ? found : undefined;
      });
      expect(bullJob.attemptsMade).toBe(1);
      expect(bullJob.failedReason).toContain('invalid_input');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cancels a running job on a published cancel: run KILLED, process group gone',
    async () => {
      const submitted = await fx.submit({ spec: LONG_SPEC });
      const pid = await fx.pipelinePid(submitted.id);
      await waitFor(
        'the pipeline to start its first step',
        async () => (await fx.events.after(submitted.id)).some((event) => event.type === 'step.started'),
        { timeoutMs: 90_000 },
      );
      await fx.publishCancel(submitted.id);
      const job = await fx.waitUntilFinished(submitted.id, 20_000);
      expect(job).toMatchObject({ state: 'cancelled', failureReason: 'cancelled' });
      expect(await fx.mlflow.getRun(job.mlflowRunId ?? '')).toMatchObject({ status: 'KILLED' });
      expect(groupGone(pid)).toBe(true);
      expect(await fx.jobs.attempts(job.id)).toMatchObject([
        { outcome: 'cancelled', failureReason: 'cancelled' },
      ]);
      expect(await (await fx.queue.getJob(job.id))?.getState()).toBe('completed');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cancels a running job whose row asks for it when no cancel was published (one sent while Redis was away)',
    async () => {
      const submitted = await fx.submit({ spec: LONG_SPEC });
      await fx.pipelinePid(submitted.id);
      const running = await fx.waitForState(submitted.id, (job) => job.state === 'running', 'the job to run');
      expect(
        await fx.jobs.requestCancel(submitted.id, { state: 'running', attempts: running.attempts }),
      ).toBe(true);
      const job = await fx.waitUntilFinished(submitted.id, 20_000);
      expect(job).toMatchObject({ state: 'cancelled', failureReason: 'cancelled' });
      expect((await fx.logs.read(job.id)).text).toContain('cancel requested: stopping');
      expect(await fx.mlflow.getRun(job.mlflowRunId ?? '')).toMatchObject({ status: 'KILLED' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails a job at its time limit as a timeout, without retrying it',
    async () => {
      const submitted = await fx.submit({ spec: LONG_SPEC, timeoutSeconds: 2 });
      const job = await fx.waitUntilFinished(submitted.id, 60_000);
      expect(job).toMatchObject({ state: 'failed', failureReason: 'timeout', attempts: 1 });
      expect(await fx.mlflow.getRun(job.mlflowRunId ?? '')).toMatchObject({ status: 'KILLED' });
      expect(groupGone(await fx.pipelinePid(job.id))).toBe(true);
      const bullJob = await waitFor('BullMQ to fail the job', async () => {
        const found = await fx.queue.getJob(job.id);
        return (await found?.getState()) === 'failed' ? found : undefined;
      });
      expect(bullJob.attemptsMade).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );
});
