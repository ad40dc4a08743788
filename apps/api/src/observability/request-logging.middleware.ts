import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestContext } from './request-context.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';
import { routeTemplateOf } from './route-template.js';

// Probes and scrapes come every few seconds: at info they would drown the requests that matter.
const ROUTINE = /^\/(health\/(live|ready)|metrics)$/;

function summary(req: Request, res: Response, responseTime: unknown): Record<string, unknown> {
  return {
    context: 'HTTP',
    method: req.method,
    path: req.originalUrl.split('?')[0],
    route: routeTemplateOf(req),
    status: res.statusCode,
    responseTime,
  };
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when sane), echoes it, and with a logger: binds a
 * child logger with that id for everything logged while the request is served, and logs its completion.
 */
export function requestLogging(root: Logger | null): RequestHandler {
  const http =
    root &&
    pinoHttp<Request, Response>({
      logger: root,
      quietReqLogger: true,
      quietResLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      customLogLevel: (req, res, error) => {
        if (error || res.statusCode >= 500) return 'error';
        if (res.statusCode >= 400) return 'warn';
        return ROUTINE.test(req.path) ? 'debug' : 'info';
      },
      customSuccessObject: (req, res, value: { responseTime?: unknown }) =>
        summary(req, res, value.responseTime),
      // The exception filter logged the cause; pino-http's own error here would be a stack of its own code.
      customErrorObject: (req, res, _error, value: { responseTime?: unknown }) =>
        summary(req, res, value.responseTime),
    });
  return (req: Request, res: Response, next: NextFunction) => {
    const id = requestIdOf(req.headers['x-request-id']);
    res.setHeader(REQUEST_ID_HEADER, id);
    if (!http) return next();
    req.id = id;
    http(req, res);
    requestContext.run({ logger: req.log }, next);
  };
}
