import { Module } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { DEPENDENCY_PROBES, type DependencyProbe } from './dependency-probe.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { MlflowProbe } from './mlflow.probe.js';
import { PostgresProbe } from './postgres.probe.js';
import { RedisProbe } from './redis.probe.js';

@Module({
  controllers: [HealthController],
  providers: [
    HealthService,
    {
      provide: DEPENDENCY_PROBES,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig): DependencyProbe[] => [
        new RedisProbe(config.redisUrl, config.healthCheckTimeoutMs),
        new PostgresProbe(config.databaseUrl, config.healthCheckTimeoutMs),
        new MlflowProbe(config.mlflowTrackingUri),
      ],
    },
  ],
})
export class HealthModule {}
