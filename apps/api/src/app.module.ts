import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { API_CONFIG, type ApiConfig } from './config/api-config.js';
import { DatabaseModule } from './database/database.module.js';
import { DocsModule } from './docs/docs.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpModule } from './http/http.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { ModelsModule } from './models/models.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PipelinesModule } from './pipelines/pipelines.module.js';
import { ProjectsModule } from './projects/projects.module.js';
import { QueuesModule } from './queues/queues.module.js';
import { ScoringModule } from './scoring/scoring.module.js';

@Module({})
export class AppModule {
  /** The configuration is parsed before Nest starts, so a bad environment fails with a message, not a stack. */
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      providers: [{ provide: API_CONFIG, useValue: config }],
      exports: [API_CONFIG],
      imports: [
        ObservabilityModule,
        AuditModule,
        DatabaseModule,
        HttpModule,
        AuthModule,
        HealthModule,
        JobsModule,
        ModelsModule,
        PipelinesModule,
        ProjectsModule,
        ScoringModule,
        QueuesModule,
        DocsModule,
      ],
    };
  }
}
