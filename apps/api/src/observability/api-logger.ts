import type { LogLevel } from '@ct/shared';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { NestPinoLogger } from './nest-pino-logger.js';
import { requestContext } from './request-context.js';

/** LOG_LEVEL names Nest's levels; pino calls `log` info and `verbose` trace. */
const PINO_LEVEL: Record<LogLevel, LevelWithSilent> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Anything that could carry a key or a password, wherever a line puts it. */
const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'apiKey',
  '*.apiKey',
];

/**
 * The API's root logger: one JSON object per line with level, time, msg and, through the Nest adapter,
 * context. Writes synchronously, so that the last lines before an exit are not lost.
 */
export function createApiLogger(
  level: LogLevel,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
      name: 'ct-api',
      level: PINO_LEVEL[level],
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** Nest's logger for the API: request lines go to the request's logger, the others to `root`. */
export function nestLoggerOf(root: Logger): NestPinoLogger {
  return new NestPinoLogger(() => requestContext.getStore()?.logger ?? root);
}
