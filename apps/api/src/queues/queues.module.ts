import { JobStatsStore } from '@ct/db';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { DATA_SOURCE, DatabaseModule } from '../database/database.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { BullBoardMount } from './bull-board.mount.js';
import { JobPositionController } from './job-position.controller.js';
import { JobPositionService } from './job-position.service.js';
import { QueueAdminService } from './queue-admin.service.js';
import { QueueJobsService } from './queue-jobs.service.js';
import { QueueOverviewService } from './queue-overview.service.js';
import { QueuesController } from './queues.controller.js';
import { WorkerRegistry } from './worker-registry.js';
import { WorkersController } from './workers.controller.js';
import { WorkersService } from './workers.service.js';

/** Queue monitoring and administration (`/v1/queues`, `/v1/workers`, job positions) and Bull Board. */
@Module({
  imports: [AuthModule, DatabaseModule, JobsModule, QueueModule, RedisModule],
  controllers: [QueuesController, WorkersController, JobPositionController],
  providers: [
    { provide: JobStatsStore, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new JobStatsStore(ds) },
    WorkerRegistry,
    QueueOverviewService,
    QueueJobsService,
    QueueAdminService,
    WorkersService,
    JobPositionService,
    BullBoardMount,
  ],
})
export class QueuesModule {}
