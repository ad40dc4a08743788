import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ApiConfig } from '../config/api-config.js';
import { requireJsonBody } from './require-json-body.middleware.js';

/** Options for `NestFactory.create` and for tests: the JSON parser is ours, with our limit. */
export const API_APP_OPTIONS: NestApplicationOptions = {
  bodyParser: false,
  // Idle keep-alive connections and open event streams must not hold up a shutdown.
  forceCloseConnections: true,
};

/** What the HTTP layer needs beyond the modules; call before `init()` or `listen()`. */
export function configureApp(app: NestExpressApplication, config: ApiConfig): NestExpressApplication {
  app.disable('x-powered-by');
  app.use(requireJsonBody);
  app.useBodyParser('json', {
    limit: config.http.bodyLimitBytes,
    type: ['application/json', 'application/*+json'],
  });
  return app;
}
