import { Module } from '@nestjs/common';
import { MlflowRegistryClient } from './mlflow-registry.client.js';
import { ModelDecisionsService } from './model-decisions.service.js';
import { ModelsController } from './models.controller.js';
import { ModelsService } from './models.service.js';

@Module({
  controllers: [ModelsController],
  providers: [MlflowRegistryClient, ModelsService, ModelDecisionsService],
  exports: [MlflowRegistryClient],
})
export class ModelsModule {}
