import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '@ct/shared';
import { type RunningChild, waitFor } from '@ct/test-support';
import { getRun } from '../mlflow.js';
import { type JobProcess, killJobProcesses, pidsInGroup, processesOfJob } from '../processes.js';
import { client, MEDIUM_SYNTHETIC, type Stack } from '../stack.js';
import { startFaultStack, untilTraining } from './fault-stack.js';
import { printFigures, since } from './figures.js';
import { type RunWrites, runWrites, writesBetween } from './mlflow-probe.js';

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;
const TERMINAL_RUN = ['FAILED', 'KILLED'];

/** Processes of the killed attempt still alive: by pid, by process group, by the attempt's MLflow run. */
function survivors(jobId: string, killed: readonly JobProcess[], runId: string): number[] {
  const pids = new Set<number>();
  for (const process of processesOfJob(jobId)) {
    if (process.runId === runId || killed.some((k) => k.pid === process.pid)) pids.add(process.pid);
  }
  for (const pgid of new Set(killed.map((k) => k.pgid))) for (const pid of pidsInGroup(pgid)) pids.add(pid);
  return [...pids];
}

describe('fault 1: a worker SIGKILLed while its job trains', () => {
  let stack: Stack;
  let jobId = '';
  let firstRunId = '';
  let killedAt = 0;
  let killedProcesses: JobProcess[] = [];
  let aliveAfter5s: number[] = [];
  let job: Job | undefined;
  let firstRunStatus = '';
  let atKill: RunWrites | undefined;
  let atTerminal: RunWrites | undefined;
  let atEnd: RunWrites | undefined;
  const mlflowUri = () => stack.env.MLFLOW_TRACKING_URI ?? '';

  beforeAll(async () => {
    stack = await startFaultStack();
    const api = client(stack);
    jobId = (await api.submit({ spec: MEDIUM_SYNTHETIC, timeoutSeconds: 600, maxAttempts: 3 })).id;
    await untilTraining(stack, jobId);
    // Into the fit: the training step's params are logged as it begins; nothing else until the fit ends.
    await sleep(2_000);
    firstRunId = (await api.get(jobId)).mlflowRunId ?? '';
    killedProcesses = processesOfJob(jobId);
    atKill = await runWrites(mlflowUri(), firstRunId);
    killedAt = Date.now();
    await (stack.workers[0] as RunningChild).stop('SIGKILL');
    const replacement = stack.startWorker();
    await sleep(Math.max(0, 5_000 - since(killedAt)));
    aliveAfter5s = survivors(jobId, killedProcesses, firstRunId);
    await replacement;

    const runEnded = waitFor(
      'the killed attempt’s run to end',
      async () => TERMINAL_RUN.includes((await getRun(mlflowUri(), firstRunId)).info.status) && Date.now(),
      { timeoutMs: 150_000, intervalMs: 250 },
    ).then(async (at) => {
      atTerminal = await runWrites(mlflowUri(), firstRunId);
      return at;
    });
    job = await api.untilState(jobId, [...FINISHED], 150_000).catch(async () => api.get(jobId));
    const runEndedAt = await runEnded.catch(() => null);
    // An orphan would be writing now: its fit (as long as the retry's) has had time to end.
    atEnd = await runWrites(mlflowUri(), firstRunId);
    firstRunStatus = atEnd.status;
    printFigures('1 worker-sigkill', {
      jobId,
      killedProcesses,
      aliveAfter5s,
      finalState: job.state,
      attempts: job.attempts,
      outcomes: job.history.map(
        (a) => `${a.attempt}:${a.outcome}/${a.failureReason ?? '-'}:${a.message ?? ''}`,
      ),
      recoveredInMs: job.finishedAt ? Date.parse(job.finishedAt) - killedAt : null,
      firstRunStatus,
      firstRunEndedAfterKillMs: runEndedAt === null ? null : runEndedAt - killedAt,
      writesAfterKill: writesBetween(atKill, atEnd),
      writesAfterRunEnded: atTerminal ? writesBetween(atTerminal, atEnd) : 'run never ended',
      lastMetricAfterKillMs: atEnd.lastMetricAt - killedAt,
    });
  }, 330_000);

  afterAll(async () => {
    if (jobId) killJobProcesses(jobId); // a surviving orphan must not outlive the test
    await stack?.stop();
  });

  it('leaves no process of the killed attempt alive 5 s after the kill (by pid and process group)', () => {
    expect(killedProcesses.length).toBeGreaterThan(0);
    expect(aliveAfter5s).toEqual([]);
  });

  it('loses no job: the job succeeds on a later attempt with a new MLflow run', () => {
    expect(job?.state).toBe('succeeded');
    expect(job?.attempts).toBeGreaterThanOrEqual(2);
    expect(job?.history.at(-1)?.outcome).toBe('succeeded');
    expect(job?.mlflowRunId).not.toBe(firstRunId);
  });

  it('ends the killed attempt’s MLflow run FAILED or KILLED', () => {
    expect(TERMINAL_RUN).toContain(firstRunStatus);
  });

  it('lets nothing write into the killed attempt’s run after the kill, nor after it was ended', () => {
    expect(atKill && atEnd && writesBetween(atKill, atEnd)).toEqual({});
    expect(atTerminal && atEnd && writesBetween(atTerminal, atEnd)).toEqual({});
    expect(atEnd?.lastMetricAt).toBeLessThanOrEqual(killedAt);
  });
});
