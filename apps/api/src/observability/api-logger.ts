import { createJsonLogger, type LogLevel, NestPinoLogger } from '@ct/shared/runtime';
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

/** The request id of the line's request, when it is logged while one is served. */
function requestIdOfLine(): { requestId?: string } {
  const context = requestContext.getStore();
  return context === undefined ? {} : { requestId: context.requestId };
}

/**
 * The API's root logger: one JSON object per line with level, time, msg, the request id of a line logged
 * while a request is served and, through the Nest adapter, context. Writes synchronously, so that the last
 * lines before an exit are not lost.
 */
export function createApiLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return createJsonLogger(
    {
      name: 'ct-api',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: requestIdOfLine,
    },
    destination,
  );
}

/** Nest's logger for the API, over `root`. */
export function nestLoggerOf(root: Logger): NestPinoLogger {
  return new NestPinoLogger(() => root);
}
