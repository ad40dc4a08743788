import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module.js';
import { BullJobQueues } from './bull-job-queues.js';
import { JobQueue } from './job-queue.js';
import { QueueMonitor } from './queue-monitor.js';
import { TriggerQueue } from './trigger-queue.js';

/** BullMQ, for the API: only this module imports it. */
@Module({
  imports: [RedisModule],
  providers: [BullJobQueues, JobQueue, QueueMonitor, TriggerQueue],
  exports: [JobQueue, QueueMonitor, TriggerQueue],
})
export class QueueModule {}
