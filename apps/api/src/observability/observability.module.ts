import { Global, Module } from '@nestjs/common';
import { BullmqModule } from '../queues/bullmq.module.js';
import { WorkerRegistry } from '../queues/worker-registry.js';
import { RedisModule } from '../redis/redis.module.js';
import { ApiMetrics } from './api-metrics.js';
import { LIVE_WORKERS, type LiveWorkers } from './live-workers.js';
import { MetricsController } from './metrics.controller.js';

/**
 * Prometheus metrics of the API; global so that use cases can count what they do. The request id and the
 * request logs are express middleware (see `configureApp`), as they must wrap every other middleware.
 */
@Global()
@Module({
  imports: [BullmqModule, RedisModule],
  controllers: [MetricsController],
  providers: [
    ApiMetrics,
    WorkerRegistry,
    {
      provide: LIVE_WORKERS,
      inject: [WorkerRegistry],
      useFactory: (workers: WorkerRegistry): LiveWorkers => ({
        count: async (queue) => (await workers.live(queue)).length,
      }),
    },
  ],
  exports: [ApiMetrics],
})
export class ObservabilityModule {}
