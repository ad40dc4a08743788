import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Level, Logger } from 'pino';
import { requestContext } from './request-context.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';
import { routeTemplateOf } from './route-template.js';

// Probes and scrapes come every few seconds: at info they would drown the requests that matter.
const ROUTINE = /^\/(health\/(live|ready)|metrics)$/;

function levelOf(req: Request, res: Response): Level {
  if (res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  return ROUTINE.test(req.path) ? 'debug' : 'info';
}

function messageOf(res: Response): string {
  if (!res.writableFinished) return 'request aborted';
  return res.statusCode >= 500 ? 'request errored' : 'request completed';
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when sane), echoes it, and with a logger: every
 * line logged while the request is served carries that id (the root logger reads it from
 * {@link requestContext}), and one line says how the request ended (route, status, milliseconds). The
 * exception filter has logged the cause of an error already.
 */
export function requestLogging(root: Logger | null): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (!root) return next();
    const started = performance.now();
    res.once('close', () => {
      const level = levelOf(req, res);
      if (!root.isLevelEnabled(level)) return;
      root[level](
        {
          requestId,
          context: 'HTTP',
          method: req.method,
          path: req.originalUrl.split('?')[0],
          route: routeTemplateOf(req),
          status: res.statusCode,
          responseTime: Math.round(performance.now() - started),
        },
        messageOf(res),
      );
    });
    requestContext.run({ requestId }, next);
  };
}
