import { createJsonLogger, type LogLevel, NestPinoLogger } from '@ct/shared';
import type { DestinationStream, Logger } from 'pino';
import { requestContext } from './request-context.js';

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
export function createApiLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return createJsonLogger(
    { name: 'ct-api', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination,
  );
}

/** Nest's logger for the API: request lines go to the request's logger, the others to `root`. */
export function nestLoggerOf(root: Logger): NestPinoLogger {
  return new NestPinoLogger(() => requestContext.getStore()?.logger ?? root);
}
