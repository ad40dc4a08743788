import { ModelDecisionStore } from '@ct/db';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, DatabaseModule } from '../database/database.module.js';
import { MlflowRegistryClient } from './mlflow-registry.client.js';
import { ModelDecisionsService } from './model-decisions.service.js';
import { ModelsController } from './models.controller.js';
import { ModelsService } from './models.service.js';

@Module({
  imports: [DatabaseModule],
  controllers: [ModelsController],
  providers: [
    MlflowRegistryClient,
    {
      provide: ModelDecisionStore,
      inject: [DATA_SOURCE],
      useFactory: (ds: DataSource) => new ModelDecisionStore(ds),
    },
    ModelsService,
    ModelDecisionsService,
  ],
  exports: [MlflowRegistryClient],
})
export class ModelsModule {}
