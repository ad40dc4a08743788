import { Scrape, waitFor } from '@ct/test-support';
import { createWorkerLogger, nestLoggerOf } from '../src/observability/worker-logger.js';
import { WorkerMetrics } from '../src/observability/worker-metrics.js';
import { CapturedLines } from './captured-lines.js';
import { spec, TEAM, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 180_000;

describe('worker metrics and job-scoped logs (worker in-process; real Postgres, Redis, MLflow, Python)', () => {
  const output = new CapturedLines();
  let fx: TrainingFixture;
  let metrics: WorkerMetrics;

  beforeAll(async () => {
    fx = await TrainingFixture.create();
    const app = await fx.startWorker();
    app.useLogger(nestLoggerOf(createWorkerLogger('debug', output)));
    metrics = app.get(WorkerMetrics);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await fx?.close();
  });

  it(
    'counts a succeeded and a failed job, times them, and names each job on its own lines',
    async () => {
      // At once, on a worker of concurrency 2: the lines of the two jobs interleave.
      const [good, bad] = await Promise.all([
        fx.submit({ spec: spec({ pipeline: 'obs-good' }), params: { n_estimators: 10 } }),
        fx.submit({ spec: spec({ pipeline: 'obs-bad' }), params: { no_such_param: 1 } }),
      ]);
      const [succeeded, failed] = await Promise.all([
        fx.waitUntilFinished(good.id, 150_000),
        fx.waitUntilFinished(bad.id, 150_000),
      ]);
      expect(succeeded).toMatchObject({ state: 'succeeded' });
      expect(failed).toMatchObject({ state: 'failed', failureReason: 'invalid_input' });

      // The job's state is stored before the worker counts its outcome: wait until both attempts have ended.
      await waitFor(
        'both attempts to end',
        async () => new Scrape(await metrics.exposition()).value('ct_worker_running_jobs') === 0,
      );
      const sut = new Scrape(await metrics.exposition());
      expect(sut.value('ct_jobs_completed_total', { team: TEAM, pipeline: 'obs-good' })).toBe(1);
      expect(
        sut.value('ct_jobs_failed_total', { team: TEAM, pipeline: 'obs-bad', reason: 'invalid_input' }),
      ).toBe(1);
      expect(sut.value('ct_jobs_failed_total', { pipeline: 'obs-good' })).toBe(0);
      expect(sut.count('ct_job_duration_seconds', { pipeline: 'obs-good', outcome: 'succeeded' })).toBe(1);
      expect(sut.count('ct_job_duration_seconds', { pipeline: 'obs-bad', outcome: 'failed' })).toBe(1);
      expect(sut.value('ct_worker_running_jobs')).toBe(0);

      // BullMQ's own `failed` event comes after the job's state is stored.
      await waitFor('the BullMQ failure line', () =>
        output.parsed().some((line) => String(line.msg).startsWith('BullMQ attempt 1 failed')),
      );
      const lines = output.parsed();
      for (const job of [good, bad]) {
        const own = lines.filter((line) => line.context === `job ${job.id}`);
        // Steps, the pipeline's pid (from a child process callback), its end and the outcome, at least.
        expect(own.length).toBeGreaterThanOrEqual(4);
        for (const line of own) expect(line).toMatchObject({ jobId: job.id });
        expect(own).toContainEqual(
          expect.objectContaining({
            msg: expect.stringMatching(
              /^pipeline started as process \d+ \((forked from the warm pool|cold start)\)$/,
            ),
            attempt: 1,
          }),
        );
      }
      const jobIds = new Set(lines.map((line) => line.jobId).filter((id) => id !== undefined));
      expect([...jobIds].sort()).toEqual([good.id, bad.id].sort());
    },
    TEST_TIMEOUT_MS,
  );
});
