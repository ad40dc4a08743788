import type { WorkerConfig } from '@ct/shared';

/** Injection token for the validated worker configuration. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export type { WorkerConfig };
