import {
  type CleanQueue,
  type CleanQueueResult,
  cleanQueueSchema,
  type ListQueueJobsQuery,
  listQueueJobsQuerySchema,
  type QueueJobPage,
  type QueueList,
  type QueuePaused,
  queueNameSchema,
  type RetryFailed,
  type RetryFailedResult,
  retryFailedSchema,
} from '@ct/shared';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { QueueAdminService } from './queue-admin.service.js';
import { QueueJobsService } from './queue-jobs.service.js';
import { QueueOverviewService } from './queue-overview.service.js';

const name = { schema: queueNameSchema };

@Controller('v1/queues')
export class QueuesController {
  constructor(
    private readonly overview: QueueOverviewService,
    private readonly queueJobs: QueueJobsService,
    private readonly admin: QueueAdminService,
  ) {}

  @Get()
  list(): Promise<QueueList> {
    return this.overview.list();
  }

  @Get(':name/jobs')
  jobs(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) queue: string,
    @Query({ schema: listQueueJobsQuerySchema }) query: ListQueueJobsQuery,
  ): Promise<QueueJobPage> {
    return this.queueJobs.list(principal, queue, query);
  }

  @Post(':name/pause')
  @Roles('admin')
  @HttpCode(200)
  pause(@Param('name', name) queue: string): Promise<QueuePaused> {
    return this.admin.pause(queue);
  }

  @Post(':name/resume')
  @Roles('admin')
  @HttpCode(200)
  resume(@Param('name', name) queue: string): Promise<QueuePaused> {
    return this.admin.resume(queue);
  }

  @Post(':name/retry-failed')
  @Roles('admin')
  @HttpCode(200)
  retryFailed(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) queue: string,
    @Body({ schema: retryFailedSchema }) body: RetryFailed,
  ): Promise<RetryFailedResult> {
    return this.admin.retryFailed(principal, queue, body);
  }

  @Post(':name/clean')
  @Roles('admin')
  @HttpCode(200)
  clean(
    @Param('name', name) queue: string,
    @Body({ schema: cleanQueueSchema }) body: CleanQueue,
  ): Promise<CleanQueueResult> {
    return this.admin.clean(queue, body);
  }
}
