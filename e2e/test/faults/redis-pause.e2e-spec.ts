import type { Job } from '@ct/shared';
import { type PrivateRedis, startPrivateRedis, waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';
import { killJobProcesses, processesOfJob } from '../processes.js';
import { client, MEDIUM_SYNTHETIC, type Stack } from '../stack.js';
import { startFaultStack, untilTraining } from './fault-stack.js';
import { printFigures, since } from './figures.js';
import { eventLogProblems, eventsOf, type StoredEvent, statesOf } from './job-events.js';
import { runsOfJob } from './mlflow-probe.js';
import { overlapFigures, type ProcessSample, sampleProcesses } from './process-sampler.js';

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;
/** Well past the 5 s lock (and attempt lease), so that BullMQ's stalled check hands the job to the other worker. */
const PAUSE_MS = 12_000;
/** About 40 s of training here: the first attempt is still fitting when a second one could start (pause + 5 s). */
const SPEC = {
  ...MEDIUM_SYNTHETIC,
  model: { ...MEDIUM_SYNTHETIC.model, params: { ...MEDIUM_SYNTHETIC.model.params, n_estimators: 900 } },
};

describe('fault 3: Redis paused (CLIENT PAUSE ALL) longer than the lock while a job trains, two workers', () => {
  let redis: PrivateRedis;
  let stack: Stack;
  let jobId = '';
  let samples: ProcessSample[] = [];
  let job: Job | undefined;
  let events: StoredEvent[] = [];
  let runStatuses: Record<string, string> = {};

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await startFaultStack({ redisUrl: redis.url, workers: 2 });
    const api = client(stack);
    jobId = (await api.submit({ spec: SPEC, timeoutSeconds: 600, maxAttempts: 3 })).id;
    const sampler = sampleProcesses(() => [jobId], 150);
    await untilTraining(stack, jobId);
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const pausedAt = Date.now();
    await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
    admin.disconnect();

    job = await api.untilState(jobId, [...FINISHED], 180_000).catch(() => api.get(jobId));
    const endedAfterPauseMs = since(pausedAt);
    // A stale attempt still running would write after the end: let it, then read what was stored.
    await waitFor('every process of the job to end', () => processesOfJob(jobId).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
    }).catch(() => undefined);
    samples = sampler.stop();
    events = await eventsOf(stack, jobId);
    job = await api.get(jobId);
    const experiments = job.mlflowExperimentId ? [job.mlflowExperimentId] : [];
    const runs = await runsOfJob(stack.env.MLFLOW_TRACKING_URI ?? '', experiments, jobId);
    runStatuses = Object.fromEntries(runs.map((run) => [run.info.run_id, run.info.status]));
    printFigures('3 redis-pause', {
      jobId,
      pauseMs: PAUSE_MS,
      endedAfterPauseMs,
      processes: overlapFigures(samples, jobId),
      finalState: job.state,
      attempts: job.attempts,
      outcomes: job.history.map(
        (a) => `${a.attempt}:${a.outcome}/${a.failureReason ?? '-'}:${a.message ?? ''}`,
      ),
      states: statesOf(events).map(
        (state, i) => `${state}@${events.filter((e) => e.type === 'state')[i]?.attempt}`,
      ),
      eventAttempts: [...new Set(events.map((event) => event.attempt))],
      eventLogProblems: eventLogProblems(events),
      runStatuses,
    });
  }, 400_000);

  afterAll(async () => {
    if (jobId) killJobProcesses(jobId);
    await stack?.stop();
    await redis?.stop();
  });

  it('never has two attempts of the job alive at once (by process group and by MLflow run)', () => {
    const figures = overlapFigures(samples, jobId);
    expect(figures.samples).toBeGreaterThan(100);
    expect(figures.maxGroups).toBeLessThanOrEqual(1);
    expect(figures.maxRuns).toBeLessThanOrEqual(1);
  });

  it('stores nothing from a stale attempt: a sane event log, no attempt’s events after a newer one began', () => {
    expect(events.length).toBeGreaterThan(0);
    expect(eventLogProblems(events)).toEqual([]);
  });

  it('ends the job succeeded, once, and ends every other attempt’s run FAILED or KILLED', () => {
    expect(job?.state).toBe('succeeded');
    expect(job?.history.filter((attempt) => attempt.outcome === 'succeeded')).toHaveLength(1);
    expect(statesOf(events).filter((state) => state === 'succeeded')).toHaveLength(1);
    expect(runStatuses[job?.mlflowRunId ?? '']).toBe('FINISHED');
    const others = Object.entries(runStatuses).filter(([runId]) => runId !== job?.mlflowRunId);
    for (const [, status] of others) expect(['FAILED', 'KILLED']).toContain(status);
  });
});
