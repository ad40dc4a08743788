import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module.js';
import { JobQueues } from './job-queues.js';
import { QueueMonitor } from './queue-monitor.js';
import { TriggerQueue } from './trigger-queue.js';

/** BullMQ, for the API: only this module's providers import it. */
@Module({
  imports: [RedisModule],
  providers: [JobQueues, QueueMonitor, TriggerQueue],
  exports: [JobQueues, QueueMonitor, TriggerQueue],
})
export class BullmqModule {}
