import type { Logger } from 'pino';

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

// A Nest logger passes its context as the last argument; `error` may pass a stack before it.
const STACK_LINE = /\n\s+at /;

/**
 * Nest's logger interface (`LoggerService`, matched by shape so that this package needs no Nest) over pino:
 * one JSON line per call with `context` (the Nest logger's name). The pino logger is looked up on every
 * call, so that a line goes to the logger of the work in progress (an API request's, a worker job's).
 */
export class NestPinoLogger {
  constructor(private readonly current: () => Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(method: PinoMethod, message: unknown, params: unknown[]): void {
    const fields: Record<string, unknown> = {};
    const rest = [...params];
    if (typeof rest.at(-1) === 'string' && !STACK_LINE.test(rest.at(-1) as string))
      fields.context = rest.pop();
    const stack = rest.find((param): param is string => typeof param === 'string' && STACK_LINE.test(param));
    if (stack !== undefined) fields.stack = stack;
    const logger = this.current();
    if (message instanceof Error) logger[method]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) logger[method]({ ...fields, ...message });
    else logger[method](fields, String(message));
  }
}
