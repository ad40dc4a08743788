import { type DynamicModule, Module } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from './config/worker-config.js';
import { RedisConnection } from './redis/redis-connection.js';

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      global: true,
      providers: [{ provide: WORKER_CONFIG, useValue: config }, RedisConnection],
      exports: [WORKER_CONFIG, RedisConnection],
    };
  }
}
