import { isFinished, type Job } from '@ct/shared';
import { type RunningChild, waitFor } from '@ct/test-support';
import { ancestorAmong, processesOfJob } from '../processes.js';
import { client, type Stack, type StackOptions, startStack } from '../stack.js';

/**
 * Short leases and periods, so that a lost worker or lock shows within seconds: BullMQ's lock and stalled
 * check, the attempt lease (the reconciler and other workers end a lapsed attempt), the worker registry.
 */
export const FAULT_ENV: NodeJS.ProcessEnv = {
  WORKER_LOCK_DURATION_MS: '5000',
  ATTEMPT_LEASE_MS: '5000',
  WORKER_HEARTBEAT_MS: '1000',
  RECONCILE_INTERVAL_MS: '2000',
  WORKER_KILL_GRACE_MS: '2000',
};

/** A stack (api and workers) with {@link FAULT_ENV} on both sides. */
export function startFaultStack(options: StackOptions = {}): Promise<Stack> {
  return startStack({
    ...options,
    apiEnv: { ...FAULT_ENV, ...options.apiEnv },
    workerEnv: { ...FAULT_ENV, ...options.workerEnv },
  });
}

/** The worker whose child runs the job (the attempt of MLflow run `runId` if given), found through /proc. */
export function workerRunning(stack: Stack, jobId: string, runId?: string): RunningChild | undefined {
  const live = stack.workers.filter((w) => w.process.exitCode === null && w.process.signalCode === null);
  const pids = live.map((worker) => worker.process.pid ?? -1);
  for (const child of processesOfJob(jobId)) {
    if (runId !== undefined && child.runId !== runId) continue;
    const pid = ancestorAmong(child.pid, pids);
    if (pid !== undefined) return live.find((worker) => worker.process.pid === pid);
  }
  return undefined;
}

/** Waits until the job trains in a child process; fails at once, saying why, if the job ends first. */
export async function untilTraining(stack: Stack, jobId: string, timeoutMs = 120_000): Promise<Job> {
  const api = client(stack);
  const job = await waitFor(
    `job ${jobId} to be training in a child process`,
    async () => {
      const job = await api.get(jobId);
      const training = job.progress.step === 'training' && processesOfJob(jobId).length > 0;
      return (training || isFinished(job.state)) && job;
    },
    { timeoutMs, intervalMs: 200 },
  );
  if (isFinished(job.state))
    throw new Error(
      `job ${jobId} ended ${job.state} before training (${job.failureReason}: ${job.failureMessage})`,
    );
  return job;
}
