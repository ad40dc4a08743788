import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { ModelsModule } from '../models/models.module.js';
import { PipelinesModule } from '../pipelines/pipelines.module.js';
import { BullmqModule } from '../queues/bullmq.module.js';
import { ModelRefCheck } from './model-ref-check.js';
import { MonitorTicks } from './monitor-ticks.js';
import { PredictionsService } from './predictions.service.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringJobsService } from './scoring-jobs.service.js';

/** The live loop of registered pipelines: score jobs, stored predictions, ground truth, monitor jobs. */
@Module({
  imports: [BullmqModule, JobsModule, ModelsModule, PipelinesModule],
  controllers: [ScoringController],
  providers: [ModelRefCheck, ScoringJobsService, PredictionsService, MonitorTicks],
})
export class ScoringModule {}
