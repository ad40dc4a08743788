import { submitJobSchema, trainingJobOptions } from '@ct/shared';
import { freePort, waitFor } from '@ct/test-support';
import { groupGone } from './support/processes.js';
import { LONG_SPEC, spec, TEAM, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 180_000;

describe('training jobs that a worker loses, a dependency fails, or a shutdown interrupts', () => {
  let fx: TrainingFixture | undefined;

  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it(
    'settles the attempt of a lost worker (MLflow run FAILED), then runs a new attempt',
    async () => {
      fx = await TrainingFixture.create();
      const { job } = await fx.jobs.create(
        TEAM,
        submitJobSchema.parse({ spec: spec(), params: { no_such_param: 1 } }),
      );
      // What a worker that died mid-run leaves: the row running, attempt 1 open, its MLflow run RUNNING.
      const experimentId = await fx.mlflow.getOrCreateExperiment(`ct/${TEAM}/${job.pipeline}`);
      const { runId: lostRun } = await fx.mlflow.createRun(experimentId, {
        jobId: job.id,
        team: TEAM,
        pipeline: job.pipeline,
        attempt: 1,
        trigger: 'manual',
        runName: 'lost',
      });
      await fx.lifecycle.move(job.id, {
        to: 'running',
        from: ['queued'],
        startAttempt: { worker: 'a-lost-worker:1' },
        patch: { startedAt: new Date(), mlflowRunId: lostRun },
      });
      await fx.startWorker();
      await fx.queue.add('train', { jobId: job.id, team: TEAM }, trainingJobOptions(job));

      const finished = await fx.waitUntilFinished(job.id, 120_000);
      expect(finished).toMatchObject({ state: 'failed', failureReason: 'invalid_input', attempts: 2 });
      // Its end is stored with the move and delivered by the run-end sweeper.
      const { mlflow } = fx;
      await waitFor('the lost run to end', async () => (await mlflow.getRun(lostRun))?.status === 'FAILED');
      expect(await fx.jobs.attempts(job.id)).toMatchObject([
        { attempt: 1, outcome: 'failed', failureReason: 'infrastructure', message: 'worker lost' },
        { attempt: 2, outcome: 'failed', failureReason: 'invalid_input' },
      ]);
      const states = (await fx.events.after(job.id)).flatMap((e) => (e.type === 'state' ? [e.state] : []));
      expect(states).toEqual(['running', 'queued', 'running', 'failed']);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'holds a job back without using attempts while MLflow is unreachable, then fails it once the outage budget is spent',
    async () => {
      fx = await TrainingFixture.create({
        MLFLOW_TRACKING_URI: `http://127.0.0.1:${await freePort()}`,
        DEPENDENCY_OUTAGE_BUDGET_MS: '6000',
      });
      await fx.startWorker();
      const submitted = await fx.submit({ spec: spec(), maxAttempts: 2 });
      const held = await fx.waitForState(
        submitted.id,
        (job) => job.waitReason === 'dependency_unavailable',
        'held back by the outage',
      );
      expect(held).toMatchObject({ state: 'queued', attempts: 0 });
      const job = await fx.waitUntilFinished(submitted.id, 60_000);
      expect(job).toMatchObject({ state: 'failed', failureReason: 'infrastructure', attempts: 0 });
      expect(job.failureMessage).toContain('mlflow unreachable for longer than the outage budget');
      expect(Date.now() - (held.waitingSince?.getTime() ?? 0)).toBeGreaterThanOrEqual(6000);
      expect(await fx.jobs.attempts(job.id)).toEqual([]);
      const bullJob = await fx.queue.getJob(job.id);
      await waitFor('BullMQ to fail the job', async () => (await bullJob?.getState()) === 'failed');
      expect((await fx.queue.getJob(job.id))?.attemptsMade).toBeLessThanOrEqual(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'on shutdown, stops a job past the grace period and queues it again, even on its last attempt, without using one up; a new worker picks it up',
    async () => {
      fx = await TrainingFixture.create({ WORKER_SHUTDOWN_GRACE_MS: '500' });
      await fx.startWorker();
      // One attempt only: a restart of the workers must not fail it.
      const submitted = await fx.submit({ spec: LONG_SPEC, maxAttempts: 1 });
      const pid = await fx.pipelinePid(submitted.id);
      await fx.stopWorker();

      const requeued = await fx.jobs.get(submitted.id);
      expect(requeued).toMatchObject({ state: 'queued', failureReason: 'infrastructure', attempts: 1 });
      expect(requeued?.failureMessage).toBe('the worker shut down while the job ran');
      expect(await fx.mlflow.getRun(requeued?.mlflowRunId ?? '')).toMatchObject({ status: 'KILLED' });
      expect(await fx.jobs.attempts(submitted.id)).toMatchObject([{ attempt: 1, outcome: 'retrying' }]);
      expect(groupGone(pid)).toBe(true);
      expect(['delayed', 'waiting', 'prioritized']).toContain(await fx.queue.getJobState(submitted.id));
      expect((await fx.queue.getJob(submitted.id))?.attemptsMade).toBe(0);

      await fx.startWorker();
      await fx.waitForState(
        submitted.id,
        (job) => job.state === 'running' && job.attempts === 2,
        'attempt 2',
      );
      await fx.pipelinePid(submitted.id);
      await fx.publishCancel(submitted.id);
      const job = await fx.waitUntilFinished(submitted.id, 30_000);
      expect(job).toMatchObject({ state: 'cancelled', attempts: 2 });
    },
    TEST_TIMEOUT_MS,
  );
});
