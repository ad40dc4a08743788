import 'reflect-metadata';
import { apiEnvSchema, closeOnSignals, enabledLogLevels, loadConfigOrExit } from '@ct/shared';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const config = loadConfigOrExit(apiEnvSchema, process.env, 'ct api');
const app = await NestFactory.create(AppModule.forRoot(config), {
  logger: enabledLogLevels(config.logLevel),
  // Idle keep-alive connections must not hold up a shutdown.
  forceCloseConnections: true,
});
const logger = new Logger('Api');
closeOnSignals(app, (message) => logger.log(`ct api ${message}`));
await app.listen(config.http.port, config.http.host);
logger.log(`ct api listening on http://${config.http.host}:${config.http.port}`);
