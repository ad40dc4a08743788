import type { JobEntity } from '../entities/job.entity.js';

/** The attempt's message when its worker disappeared: whoever finds it (a worker or the api) writes it. */
export const WORKER_LOST = 'worker lost';

/**
 * The attempts that count against `maxAttempts`: neither those before a user's retry nor those stopped
 * through no fault of their own (a shutdown, a lost lock or lease, an outage).
 */
export function countedAttempts(job: Pick<JobEntity, 'attempts' | 'uncountedAttempts'>): number {
  return job.attempts - job.uncountedAttempts;
}
