import {
  type Job,
  type JobEventsQuery,
  type JobLogs,
  type JobPage,
  jobEventsQuerySchema,
  jobIdSchema,
  jobLogsQuerySchema,
  type ListJobsQuery,
  listJobsQuerySchema,
  type SubmitJob,
  submitJobSchema,
} from '@ct/shared';
import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { CancelJobService } from './cancel-job.service.js';
import { JobEventsService } from './job-events.service.js';
import { JobLogsService } from './job-logs.service.js';
import { JobQueriesService } from './job-queries.service.js';
import { RetryJobService } from './retry-job.service.js';
import { SubmitJobService } from './submit-job.service.js';

const id = { schema: jobIdSchema };

@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly submitJob: SubmitJobService,
    private readonly queries: JobQueriesService,
    private readonly cancelJob: CancelJobService,
    private readonly retryJob: RetryJobService,
    private readonly logs: JobLogsService,
    private readonly events: JobEventsService,
  ) {}

  /** 201 with Location for a new job; 200 with the first job for a reused idempotency key. */
  @Post()
  @Roles('submitter')
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: submitJobSchema }) body: SubmitJob,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Job> {
    const { job, created } = await this.submitJob.submit(principal, body);
    if (created) res.status(201).location(`/v1/jobs/${job.id}`);
    else res.status(200);
    return job;
  }

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query({ schema: listJobsQuerySchema }) query: ListJobsQuery,
  ): Promise<JobPage> {
    return this.queries.list(principal, query);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id', id) jobId: string): Promise<Job> {
    return this.queries.get(principal, jobId);
  }

  /** 200 when cancelled at once (it was queued); 202 when a worker has been asked to stop it. */
  @Post(':id/cancel')
  @Roles('submitter')
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', id) jobId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Job> {
    const { job, stopping } = await this.cancelJob.cancel(principal, jobId);
    res.status(stopping ? 202 : 200);
    return job;
  }

  /** 202: the job is queued again. */
  @Post(':id/retry')
  @Roles('submitter')
  async retry(
    @CurrentPrincipal() principal: Principal,
    @Param('id', id) jobId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Job> {
    const job = await this.retryJob.retry(principal, jobId);
    res.status(202);
    return job;
  }

  @Get(':id/logs')
  readLogs(
    @CurrentPrincipal() principal: Principal,
    @Param('id', id) jobId: string,
    @Query({ schema: jobLogsQuerySchema }) query: { offset?: number; tail?: number },
  ): Promise<JobLogs> {
    return this.logs.read(principal, jobId, query);
  }

  @Get(':id/events')
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
