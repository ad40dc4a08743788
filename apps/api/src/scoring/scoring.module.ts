import { MonitoringStore, PredictionStore } from '@ct/db';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, DatabaseModule } from '../database/database.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ModelsModule } from '../models/models.module.js';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { ModelRefCheck } from './model-ref-check.js';
import { MonitorTicks } from './monitor-ticks.js';
import { PredictionsService } from './predictions.service.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringJobsService } from './scoring-jobs.service.js';

const store = <T>(Store: new (ds: DataSource) => T) => ({
  provide: Store,
  inject: [DATA_SOURCE],
  useFactory: (ds: DataSource) => new Store(ds),
});

/** The live loop of registered pipelines: score jobs, stored predictions, ground truth, monitor jobs. */
@Module({
  imports: [DatabaseModule, QueueModule, JobsModule, ModelsModule, PipelinesModule],
  controllers: [ScoringController],
  providers: [
    store(PredictionStore),
    store(MonitoringStore),
    ModelRefCheck,
    ScoringJobsService,
    PredictionsService,
    MonitorTicks,
  ],
})
export class ScoringModule {}
