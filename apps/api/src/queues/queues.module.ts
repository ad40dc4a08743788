import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { BullBoardMount } from './bull-board.mount.js';
import { BullmqModule } from './bullmq.module.js';
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
  imports: [AuthModule, JobsModule, BullmqModule, RedisModule],
  controllers: [QueuesController, WorkersController, JobPositionController],
  providers: [
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
