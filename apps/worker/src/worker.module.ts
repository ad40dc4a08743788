import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module.js';
import { WORKER_CONFIG, type WorkerConfig } from './config/worker-config.js';
import { Database } from './database/database.js';
import { HeartbeatModule } from './heartbeat/heartbeat.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RedisConnection } from './redis/redis-connection.js';
import { TrainingModule } from './training/training.module.js';

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      global: true,
      imports: [ObservabilityModule, AuditModule, TrainingModule, HeartbeatModule],
      providers: [{ provide: WORKER_CONFIG, useValue: config }, RedisConnection, Database],
      exports: [WORKER_CONFIG, RedisConnection, Database],
    };
  }
}
