import { Global, Module } from '@nestjs/common';
import { WorkerMetrics } from './worker-metrics.js';

/**
 * The worker's Prometheus metrics; global so that the training use case can count what it does. The
 * `/metrics` server is started by `main.ts`, so that workers made in tests do not compete for its port.
 */
@Global()
@Module({ providers: [WorkerMetrics], exports: [WorkerMetrics] })
export class ObservabilityModule {}
