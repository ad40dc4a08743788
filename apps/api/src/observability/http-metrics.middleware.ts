import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiMetrics } from './api-metrics.js';
import { routeTemplateOf } from './route-template.js';

/** Times every request, from its arrival to its last byte (or to the client hanging up). */
export function httpMetrics(metrics: ApiMetrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.observeRequest(
        { method: req.method, route: routeTemplateOf(req), status: res.statusCode },
        seconds,
      );
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
