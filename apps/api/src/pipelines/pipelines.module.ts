import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { ModelsModule } from '../models/models.module.js';
import { BullmqModule } from '../queues/bullmq.module.js';
import { ChampionReader } from './champion-reader.js';
import { NewDataPoller } from './new-data-poller.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelinesController } from './pipelines.controller.js';
import { PipelinesService } from './pipelines.service.js';
import { ScheduleSync } from './schedule-sync.service.js';
import { ScheduleTicks } from './schedule-ticks.js';
import { SourceRowCounter } from './source-row-counter.js';
import { TriggerFirings } from './trigger-firings.js';

/** Registered pipelines, their versions, and their triggers (schedule, new data, manual). */
@Module({
  imports: [BullmqModule, JobsModule, ModelsModule],
  controllers: [PipelinesController],
  providers: [
    PipelinesService,
    PipelineRunsService,
    TriggerFirings,
    ChampionReader,
    ScheduleSync,
    ScheduleTicks,
    SourceRowCounter,
    NewDataPoller,
  ],
  exports: [PipelinesService],
})
export class PipelinesModule {}
