import { hostname } from 'node:os';
import type { WorkerConfig } from '@ct/shared/runtime';

/** Injection token for the validated worker configuration. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export type { WorkerConfig };

/** This worker process, as recorded on job attempts and BullMQ jobs. */
export const WORKER_NAME = `${hostname()}:${process.pid}`;

/** A connection URL fit for logs: the password replaced. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
