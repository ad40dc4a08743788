import { waitFor } from '@ct/test-support';
import { WarmPoolService } from '../src/process/warm-pool.service.js';
import { groupGone } from './support/processes.js';
import { LONG_SPEC, spec, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 180_000;

describe('training jobs forked from the warm pool', () => {
  let fx: TrainingFixture | undefined;

  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  async function readyServer(fixture: TrainingFixture): Promise<number> {
    const app = await fixture.startWorker();
    const pool = app.get(WarmPoolService).pool;
    return waitFor('the warm pool to be ready', () => pool?.readyPid ?? undefined, { timeoutMs: 60_000 });
  }

  it(
    'runs a job forked from the pool, and a job whose spec opts out from a fresh interpreter',
    async () => {
      fx = await TrainingFixture.create();
      await readyServer(fx);
      const job = await fx.submit({ spec: spec() });
      const done = await fx.waitUntilFinished(job.id, 120_000);
      expect(done).toMatchObject({ state: 'succeeded', attempts: 1 });
      expect((await fx.logs.read(job.id)).text).toMatch(
        /pipeline started as process \d+ \(forked from the warm pool\)/,
      );
      const run = await fx.mlflow.getRun(done.mlflowRunId ?? '');
      expect(run?.status).toBe('FINISHED');

      // A spec may opt out: its run starts a fresh interpreter although the pool is ready.
      const optedOut = await fx.submit({ spec: spec({ runtime: { warm_start: false } }) });
      expect(await fx.waitUntilFinished(optedOut.id, 120_000)).toMatchObject({ state: 'succeeded' });
      expect((await fx.logs.read(optedOut.id)).text).toMatch(
        /pipeline started as process \d+ \(cold start\)/,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "fails the attempt as infrastructure when the pool's server is killed mid-run, and runs the job again",
    async () => {
      fx = await TrainingFixture.create();
      const server = await readyServer(fx);
      const job = await fx.submit({ spec: LONG_SPEC, maxAttempts: 2 });
      const pid = await fx.pipelinePid(job.id);
      expect((await fx.logs.read(job.id)).text).toContain(`process ${pid} (forked from the warm pool)`);
      process.kill(server, 'SIGKILL');
      await waitFor('the lost run to be gone', () => groupGone(pid));

      await fx.waitForState(
        job.id,
        (row) => row.state === 'running' && row.attempts === 2,
        'attempt 2',
        60_000,
      );
      const attempts = await fx.jobs.attempts(job.id);
      expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'retrying', failureReason: 'infrastructure' });
      expect(attempts[0]?.message).toContain("the pipeline process was lost: the warm pool's server exited");
      const logs = fx.logs;
      const second = await waitFor('the second pipeline process', async () => {
        const { text } = await logs.read(job.id);
        const starts = [...text.matchAll(/pipeline started as process (\d+)/g)];
        return starts.length === 2 ? Number(starts[1]?.[1]) : undefined;
      });
      expect(second).not.toBe(pid);
      await fx.publishCancel(job.id);
      expect(await fx.waitUntilFinished(job.id, 30_000)).toMatchObject({ state: 'cancelled', attempts: 2 });
    },
    TEST_TIMEOUT_MS,
  );
});
