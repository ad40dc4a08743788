import { type DynamicModule, Module } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from './config/api-config.js';
import { HealthModule } from './health/health.module.js';

@Module({})
export class AppModule {
  /** The configuration is parsed before Nest starts, so a bad environment fails with a message, not a stack. */
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      providers: [{ provide: API_CONFIG, useValue: config }],
      exports: [API_CONFIG],
      imports: [HealthModule],
    };
  }
}
