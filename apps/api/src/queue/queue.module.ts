import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module.js';
import { BullTrainingQueue } from './bull-training-queue.js';
import { TrainingQueue } from './training-queue.js';
import { TrainingQueueMonitor } from './training-queue-monitor.js';
import { TriggerQueue } from './trigger-queue.js';

/** BullMQ, for the API: only this module imports it. */
@Module({
  imports: [RedisModule],
  providers: [BullTrainingQueue, TrainingQueue, TrainingQueueMonitor, TriggerQueue],
  exports: [TrainingQueue, TrainingQueueMonitor, TriggerQueue],
})
export class QueueModule {}
