import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module.js';
import { TrainingQueue } from './training-queue.js';

/** BullMQ, for the API: only this module imports it. */
@Module({ imports: [RedisModule], providers: [TrainingQueue], exports: [TrainingQueue] })
export class QueueModule {}
