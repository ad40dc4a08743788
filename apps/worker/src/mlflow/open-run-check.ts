import type { JobEntity, RunEndStatus } from '@ct/db';

/** A run younger than this may belong to an attempt that has not written its row yet: left alone. */
export const OPEN_RUN_MIN_AGE_MS = 60_000;

/**
 * How an open (RUNNING) MLflow run of attempt `attempt` of `job` should end, or null when it may still be
 * in use: its job is gone or finished, or the attempt is no longer the job's running one (a stale
 * attempt's run ends KILLED; a finished job's own run ends as the job did).
 */
export function openRunEnd(
  job: JobEntity | null,
  attempt: number,
  startedMsAgo: number,
): RunEndStatus | null {
  if (startedMsAgo < OPEN_RUN_MIN_AGE_MS) return null;
  if (job === null) return 'KILLED';
  const current = job.attempts === attempt;
  if (job.state === 'running' && current) return null;
  if (!current || job.state === 'queued' || job.state === 'running') return 'KILLED';
  return job.state === 'succeeded' ? 'FINISHED' : job.state === 'failed' ? 'FAILED' : 'KILLED';
}
