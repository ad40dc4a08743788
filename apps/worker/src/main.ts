import 'reflect-metadata';
import { closeOnSignals, enabledLogLevels, loadConfigOrExit, workerEnvSchema } from '@ct/shared';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module.js';

const config = loadConfigOrExit(workerEnvSchema, process.env, 'ct worker');
const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
  logger: enabledLogLevels(config.logLevel),
});
const logger = new Logger('Worker');
closeOnSignals(app, (message) => logger.log(`worker ${message}`));
await app.init();
