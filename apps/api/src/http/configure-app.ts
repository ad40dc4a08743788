import { PROJECT_ARCHIVE_TYPES } from '@ct/shared';
import { DEFAULT_ARCHIVE_LIMITS } from '@ct/shared/project-archive';
import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config/api-config.js';
import { ApiMetrics } from '../observability/api-metrics.js';
import { httpMetrics } from '../observability/http-metrics.middleware.js';
import { requestLogging } from '../observability/request-logging.middleware.js';
import { requireJsonBody } from './require-json-body.middleware.js';

/** Options for `NestFactory.create` and for tests: the JSON parser is ours, with our limit. */
export const API_APP_OPTIONS: NestApplicationOptions = {
  bodyParser: false,
  // Idle keep-alive connections and open event streams must not hold up a shutdown.
  forceCloseConnections: true,
};

/**
 * What the HTTP layer needs beyond the modules; call before `init()` or `listen()`. With `logger` (the
 * root logger Nest logs through), every request is logged and its lines carry its id; tests leave it out.
 */
export function configureApp(
  app: NestExpressApplication,
  config: ApiConfig,
  logger: Logger | null = null,
): NestExpressApplication {
  app.disable('x-powered-by');
  // First, so that even a request the body checks reject has an id, a log line and a timing.
  app.use(requestLogging(logger));
  app.use(httpMetrics(app.get(ApiMetrics)));
  app.use(requireJsonBody);
  app.useBodyParser('json', {
    limit: config.http.bodyLimitBytes,
    type: ['application/json', 'application/*+json'],
  });
  // Uploaded projects: the archive's bytes, up to the archive limit (what is in it is checked after).
  app.useBodyParser('raw', {
    limit: DEFAULT_ARCHIVE_LIMITS.maxArchiveBytes,
    type: [...PROJECT_ARCHIVE_TYPES],
  });
  return app;
}
