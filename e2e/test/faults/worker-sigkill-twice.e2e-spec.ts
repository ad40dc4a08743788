import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { killJobProcesses, processesOfJob } from '../processes.js';
import { client, MEDIUM_SYNTHETIC, type Stack } from '../stack.js';
import { startFaultStack, workerRunning } from './fault-stack.js';
import { printFigures, since } from './figures.js';
import { runsOfJob } from './mlflow-probe.js';

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;
/** Lock (5 s) + stalled check (5 s) + attempt lease (5 s) + kill grace (2 s) + reconciler period (2 s), rounded up. */
const HANDLED_WITHIN_MS = 30_000;

describe('fault 2: the workers running one job SIGKILLed twice (maxAttempts 2, three workers)', () => {
  let stack: Stack;
  let jobId = '';
  const runIds: string[] = [];
  const orphansKilledByTest: number[] = [];
  let secondKillAt = 0;
  let handledAfterMs: number | null = null;
  let endedAfterMs: number | null = null;
  let ended: Job | undefined;
  let cancel: { status: number; body: unknown } | undefined;
  let cancelledAfterMs: number | null = null;
  let afterCancel: Job | undefined;
  let retry: { status: number; body: unknown } | undefined;
  let retried: Job | undefined;
  let runStatuses: Record<string, string> = {};
  const figures: Record<string, unknown> = {};

  /** Waits until attempt `attempt` trains in a child of a live worker, then SIGKILLs that worker. */
  const killWorkerOfAttempt = async (attempt: number) => {
    const api = client(stack);
    const { runId, worker } = await waitFor(
      `attempt ${attempt} to be training under a live worker`,
      async () => {
        const job = await api.get(jobId);
        const runId = job.mlflowRunId ?? '';
        if (job.attempts !== attempt || job.progress.step !== 'training' || runIds.includes(runId)) return;
        const worker = workerRunning(stack, jobId, runId);
        return worker && { runId, worker };
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    runIds.push(runId);
    await worker.stop('SIGKILL');
    return { runId, at: Date.now() };
  };

  /** The dead worker's child, if it outlived it, would compete for the CPU: this scenario is not about it. */
  const killOrphans = async (runId: string) => {
    await sleep(5_000);
    const orphans = processesOfJob(jobId).filter((process) => process.runId === runId);
    for (const orphan of orphans) process.kill(orphan.pid, 'SIGKILL');
    orphansKilledByTest.push(orphans.length);
  };

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 3 });
    const api = client(stack);
    jobId = (await api.submit({ spec: MEDIUM_SYNTHETIC, timeoutSeconds: 600, maxAttempts: 2 })).id;
    const first = await killWorkerOfAttempt(1);
    await killOrphans(first.runId);
    const second = await killWorkerOfAttempt(2);
    secondKillAt = second.at;
    await killOrphans(second.runId);

    // With no help, BullMQ fails the job for stalling twice while Postgres keeps it running for good.
    const handled = await waitFor(
      'the job to leave its dead second attempt',
      async () => {
        const job = await api.get(jobId);
        return (job.state !== 'running' || job.attempts > 2) && job;
      },
      { timeoutMs: HANDLED_WITHIN_MS + 10_000, intervalMs: 250 },
    ).catch(() => null);
    if (handled !== null) handledAfterMs = since(secondKillAt);
    // Stuck for good unless something dealt with it; else a new attempt may still have to run.
    ended =
      handled === null
        ? await api.get(jobId)
        : await api.untilState(jobId, [...FINISHED], 150_000).catch(() => api.get(jobId));
    if (FINISHED.some((state) => state === ended?.state)) endedAfterMs = since(secondKillAt);
    figures.position = (await api.call('GET', `/v1/jobs/${jobId}/position`)).body;

    cancel = await api.cancel(jobId);
    if (cancel.status === 202) {
      const started = Date.now();
      afterCancel = await api.untilState(jobId, [...FINISHED], 30_000).catch(() => api.get(jobId));
      if (afterCancel.state === 'cancelled') cancelledAfterMs = since(started);
    } else afterCancel = await api.get(jobId);

    retry = await api.call('POST', `/v1/jobs/${jobId}/retry`);
    if (retry.status === 202)
      retried = await api.untilState(jobId, [...FINISHED], 180_000).catch(() => api.get(jobId));

    const final = await api.get(jobId);
    const experiments = final.mlflowExperimentId ? [final.mlflowExperimentId] : [];
    // Run ends may be retried in the background: give them a few seconds before reading.
    await waitFor(
      'every MLflow run of the job to end',
      async () => {
        const runs = await runsOfJob(stack.env.MLFLOW_TRACKING_URI ?? '', experiments, jobId);
        runStatuses = Object.fromEntries(runs.map((run) => [run.info.run_id, run.info.status]));
        return runs.every((run) => !['RUNNING', 'SCHEDULED'].includes(run.info.status));
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    ).catch(() => undefined);

    printFigures('2 worker-sigkill-twice', {
      jobId,
      killedRuns: runIds,
      orphansKilledByTest,
      handledAfterMs,
      endedAfterMs,
      ended: ended && { state: ended.state, attempts: ended.attempts, reason: ended.failureReason },
      endedMessage: ended?.failureMessage,
      outcomes: ended?.history.map(
        (a) => `${a.attempt}:${a.outcome}/${a.failureReason ?? '-'}:${a.message ?? ''}`,
      ),
      ...figures,
      cancel: cancel && { status: cancel.status, body: cancel.body },
      afterCancel: afterCancel && { state: afterCancel.state, reason: afterCancel.failureReason },
      cancelledAfterMs,
      retry: retry && { status: retry.status, body: retry.body },
      retried: retried && { state: retried.state, attempts: retried.attempts },
      runStatuses,
    });
  }, 600_000);

  afterAll(async () => {
    if (jobId) killJobProcesses(jobId);
    await stack?.stop();
  });

  it(`deals with the dead second attempt within ${HANDLED_WITHIN_MS / 1000} s: ends it or runs it again`, () => {
    expect(handledAfterMs).not.toBeNull();
    expect(handledAfterMs).toBeLessThanOrEqual(HANDLED_WITHIN_MS);
  });

  it('ends the job: failed with a reason, or succeeded', () => {
    expect(endedAfterMs).not.toBeNull();
    expect(['failed', 'succeeded']).toContain(ended?.state);
    if (ended?.state === 'failed') {
      expect(ended.failureReason).not.toBeNull();
      expect(ended.failureMessage).toEqual(expect.any(String));
    }
  });

  it('answers cancel truthfully: 409 for a finished job; a 202 is followed by the job ending cancelled', () => {
    if (cancel?.status === 202) expect(afterCancel?.state).toBe('cancelled');
    else expect(cancel?.status).toBe(FINISHED.some((s) => s === ended?.state) ? 409 : 200);
  });

  it('retries a failed or cancelled job and that run succeeds; refuses to retry a succeeded one', () => {
    if (afterCancel?.state === 'succeeded') expect(retry?.status).toBe(409);
    else {
      expect(retry?.status).toBe(202);
      expect(retried?.state).toBe('succeeded');
    }
  });

  it('leaves no MLflow run of the job RUNNING', () => {
    expect(Object.keys(runStatuses).length).toBeGreaterThanOrEqual(2);
    expect(
      Object.values(runStatuses).filter((status) => status === 'RUNNING' || status === 'SCHEDULED'),
    ).toEqual([]);
  });
});
