import 'reflect-metadata';
import { closeOnSignals, loadConfigOrExit, workerEnvSchema } from '@ct/shared/runtime';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { serveMetrics } from './observability/metrics-server.js';
import { createWorkerLogger, nestLoggerOf } from './observability/worker-logger.js';
import { WorkerMetrics } from './observability/worker-metrics.js';
import { WorkerModule } from './worker.module.js';

const config = loadConfigOrExit(workerEnvSchema, process.env, 'ct worker');
const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
  logger: nestLoggerOf(createWorkerLogger(config.logLevel)),
});
const logger = new Logger('Worker');
const metrics = await serveMetrics(app.get(WorkerMetrics), config.metrics, logger);
const closable = {
  close: async () => {
    await app.close();
    // Last, so that the drain of running jobs can still be watched.
    await metrics?.close();
  },
};
closeOnSignals(closable, (message) => logger.log(`worker ${message}`));
await app.init();
