import { createJsonLogger, type LogLevel, NestPinoLogger } from '@ct/shared/runtime';
import type { DestinationStream, Logger } from 'pino';
import { jobLogFields } from './job-log-context.js';

/**
 * The worker's logger: one JSON object per line with level, time, msg, context and, while a job is being
 * processed, its `jobId` and `attempt`. Writes synchronously, so that the last lines before an exit are
 * not lost.
 */
export function createWorkerLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return createJsonLogger({ name: 'ct-worker', level, mixin: () => ({ ...jobLogFields() }) }, destination);
}

/** Nest's logger for the worker, writing through `root`. */
export function nestLoggerOf(root: Logger): NestPinoLogger {
  return new NestPinoLogger(() => root);
}
