import type { LogLevel } from '@ct/shared';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { jobLogFields } from './job-log-context.js';
import { NestPinoLogger } from './nest-pino-logger.js';

/** LOG_LEVEL names Nest's levels; pino calls `log` info and `verbose` trace. */
const PINO_LEVEL: Record<LogLevel, LevelWithSilent> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * The worker's logger: one JSON object per line with level, time, msg, context and, while a job is being
 * processed, its `jobId` and `attempt`. Writes synchronously, so that the last lines before an exit are
 * not lost.
 */
export function createWorkerLogger(
  level: LogLevel,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
      name: 'ct-worker',
      level: PINO_LEVEL[level],
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...jobLogFields() }),
    },
    destination,
  );
}

/** Nest's logger for the worker, writing through `root`. */
export function nestLoggerOf(root: Logger): NestPinoLogger {
  return new NestPinoLogger(() => root);
}
