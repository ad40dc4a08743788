import {
  API_ROUTES,
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
import { Body, Controller, Param, Query } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { QueueAdminService } from './queue-admin.service.js';
import { QueueJobsService } from './queue-jobs.service.js';
import { QueueOverviewService } from './queue-overview.service.js';

const name = { schema: queueNameSchema };

/** The BullMQ queues: their counts and jobs, and an admin's pause, resume, retry and clean. */
@Controller()
export class QueuesController {
  constructor(
    private readonly overview: QueueOverviewService,
    private readonly queueJobs: QueueJobsService,
    private readonly admin: QueueAdminService,
  ) {}

  @ApiRoute(API_ROUTES.listQueues)
  list(): Promise<QueueList> {
    return this.overview.list();
  }

  @ApiRoute(API_ROUTES.listQueueJobs)
  jobs(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) queue: string,
    @Query({ schema: listQueueJobsQuerySchema }) query: ListQueueJobsQuery,
  ): Promise<QueueJobPage> {
    return this.queueJobs.list(principal, queue, query);
  }

  @ApiRoute(API_ROUTES.pauseQueue)
  pause(@Param('name', name) queue: string): Promise<QueuePaused> {
    return this.admin.pause(queue);
  }

  @ApiRoute(API_ROUTES.resumeQueue)
  resume(@Param('name', name) queue: string): Promise<QueuePaused> {
    return this.admin.resume(queue);
  }

  @ApiRoute(API_ROUTES.retryFailedJobs)
  retryFailed(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) queue: string,
    @Body({ schema: retryFailedSchema }) body: RetryFailed,
  ): Promise<RetryFailedResult> {
    return this.admin.retryFailed(principal, queue, body);
  }

  @ApiRoute(API_ROUTES.cleanQueue)
  clean(
    @Param('name', name) queue: string,
    @Body({ schema: cleanQueueSchema }) body: CleanQueue,
  ): Promise<CleanQueueResult> {
    return this.admin.clean(queue, body);
  }
}
