import { Global, Module } from '@nestjs/common';
import { BullmqModule } from '../queues/bullmq.module.js';
import { WorkerRegistry } from '../queues/worker-registry.js';
import { RedisModule } from '../redis/redis.module.js';
import { ApiMetrics } from './api-metrics.js';
import { MetricsController } from './metrics.controller.js';

/**
 * Prometheus metrics of the API; global so that use cases can count what they do. The request id and the
 * request logs are express middleware (see `configureApp`), as they must wrap every other middleware.
 */
@Global()
@Module({
  imports: [BullmqModule, RedisModule],
  controllers: [MetricsController],
  providers: [ApiMetrics, WorkerRegistry],
  exports: [ApiMetrics],
})
export class ObservabilityModule {}
