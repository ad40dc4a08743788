import { AsyncLocalStorage } from 'node:async_hooks';

/** What every line logged while a job is processed carries. */
export interface JobLogFields {
  jobId: string;
  /** Known once the attempt has started. */
  attempt?: number;
}

const storage = new AsyncLocalStorage<JobLogFields>();

/** Runs `work` so that every line it logs, in nested services and callbacks too, names the job. */
export function runInJobContext<T>(jobId: string, work: () => T): T {
  return storage.run({ jobId }, work);
}

/** Adds the attempt number to the lines of the job being processed from now on. */
export function setLoggedAttempt(attempt: number): void {
  const fields = storage.getStore();
  if (fields) fields.attempt = attempt;
}

/** The fields of the job in progress, or nothing outside of one. */
export function jobLogFields(): JobLogFields | Record<string, never> {
  return storage.getStore() ?? {};
}
