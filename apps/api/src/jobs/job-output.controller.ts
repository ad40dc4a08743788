import {
  API_ROUTES,
  type JobEventsQuery,
  type JobLogs,
  jobEventsQuerySchema,
  jobIdSchema,
  jobLogsQuerySchema,
} from '@ct/shared';
import { Controller, Headers, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { JobEventsService } from './job-events.service.js';
import { JobLogsService } from './job-logs.service.js';

const id = { schema: jobIdSchema };

/** What a job writes while it runs and after: its captured output, and its events as they happen. */
@Controller()
export class JobOutputController {
  constructor(
    private readonly logs: JobLogsService,
    private readonly events: JobEventsService,
  ) {}

  @ApiRoute(API_ROUTES.jobLogs)
  readLogs(
    @CurrentPrincipal() principal: Principal,
    @Param('id', id) jobId: string,
    @Query({ schema: jobLogsQuerySchema }) query: { offset?: number; tail?: number },
  ): Promise<JobLogs> {
    return this.logs.read(principal, jobId, query);
  }

  @ApiRoute(API_ROUTES.jobEvents)
  followEvents(
    @CurrentPrincipal() principal: Principal,
    @Param('id', id) jobId: string,
    @Query({ schema: jobEventsQuerySchema }) query: JobEventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return this.events.stream(principal, jobId, query.after, lastEventId, res);
  }
}
