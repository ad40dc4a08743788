import 'reflect-metadata';
import { apiEnvSchema, closeOnSignals, loadConfigOrExit } from '@ct/shared/runtime';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { API_APP_OPTIONS, configureApp } from './http/configure-app.js';
import { createApiLogger, nestLoggerOf } from './observability/api-logger.js';

const config = loadConfigOrExit(apiEnvSchema, process.env, 'ct api');
const root = createApiLogger(config.logLevel);
const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  ...API_APP_OPTIONS,
  logger: nestLoggerOf(root),
});
configureApp(app, config, root);
const logger = new Logger('Api');
closeOnSignals(app, (message) => logger.log(`ct api ${message}`));
await app.listen(config.http.port, config.http.host);
logger.log(`ct api listening on http://${config.http.host}:${config.http.port}`);
