import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module.js';
import { BullmqModule } from '../queues/bullmq.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { AcceptedJobs } from './accepted-jobs.js';
import { CancelJobService } from './cancel-job.service.js';
import { JobEventsService } from './job-events.service.js';
import { JobLogsService } from './job-logs.service.js';
import { JobOutputController } from './job-output.controller.js';
import { JobQueriesService } from './job-queries.service.js';
import { JobStateEvents } from './job-state-events.js';
import { JobsController } from './jobs.controller.js';
import { LostAttempts } from './lost-attempts.js';
import { ReconcilerService } from './reconciler.service.js';
import { RetryJobService } from './retry-job.service.js';
import { SubmitJobService } from './submit-job.service.js';
import { TeamLoadVacuum } from './team-load-vacuum.service.js';

@Module({
  imports: [BullmqModule, RedisModule, ProjectsModule],
  controllers: [JobsController, JobOutputController],
  providers: [
    SubmitJobService,
    AcceptedJobs,
    JobQueriesService,
    CancelJobService,
    RetryJobService,
    JobLogsService,
    JobEventsService,
    JobStateEvents,
    LostAttempts,
    ReconcilerService,
    TeamLoadVacuum,
  ],
  exports: [AcceptedJobs, JobQueriesService, RetryJobService, SubmitJobService],
})
export class JobsModule {}
