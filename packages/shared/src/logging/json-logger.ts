import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogLevel } from '../config/env-schema.js';

/** LOG_LEVEL names Nest's levels; pino calls `log` info and `verbose` trace. */
export const PINO_LEVEL: Record<LogLevel, NonNullable<LoggerOptions['level']>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * A root logger of ct's apps: one JSON object per line with level (as a word), ISO time, `name` and msg.
 * Writes synchronously by default, so that the last lines before an exit are not lost.
 */
export function createJsonLogger(
  options: { name: string; level: LogLevel } & Pick<LoggerOptions, 'redact' | 'mixin'>,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  const { level, ...rest } = options;
  return pino(
    {
      ...rest,
      level: PINO_LEVEL[level],
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
