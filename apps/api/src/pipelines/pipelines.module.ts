import { PipelineStatus, PipelineStore, PipelineTriggers } from '@ct/db';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, DatabaseModule } from '../database/database.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ModelsModule } from '../models/models.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { ChampionReader } from './champion-reader.js';
import { NewDataPoller } from './new-data-poller.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelinesController } from './pipelines.controller.js';
import { PipelinesService } from './pipelines.service.js';
import { ScheduleSync } from './schedule-sync.service.js';
import { ScheduleTicks } from './schedule-ticks.js';
import { SourceRowCounter } from './source-row-counter.js';

const store = <T>(Store: new (ds: DataSource) => T) => ({
  provide: Store,
  inject: [DATA_SOURCE],
  useFactory: (ds: DataSource) => new Store(ds),
});

/** Registered pipelines, their versions, and their triggers (schedule, new data, manual). */
@Module({
  imports: [DatabaseModule, QueueModule, JobsModule, ModelsModule],
  controllers: [PipelinesController],
  providers: [
    store(PipelineStore),
    store(PipelineStatus),
    store(PipelineTriggers),
    PipelinesService,
    PipelineRunsService,
    ChampionReader,
    ScheduleSync,
    ScheduleTicks,
    SourceRowCounter,
    NewDataPoller,
  ],
  exports: [PipelineStore, PipelinesService],
})
export class PipelinesModule {}
