import {
  API_ROUTES,
  type Job,
  type JobPage,
  jobIdSchema,
  type ListJobsQuery,
  listJobsQuerySchema,
  type SubmitJob,
  submitJobSchema,
} from '@ct/shared';
import { Body, Controller, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { CancelJobService } from './cancel-job.service.js';
import { JobQueriesService } from './job-queries.service.js';
import { RetryJobService } from './retry-job.service.js';
import { SubmitJobService } from './submit-job.service.js';

const id = { schema: jobIdSchema };

/** Submitting, finding, cancelling and retrying jobs; what a job writes is served by JobOutputController. */
@Controller()
export class JobsController {
  constructor(
    private readonly submitJob: SubmitJobService,
    private readonly queries: JobQueriesService,
    private readonly cancelJob: CancelJobService,
    private readonly retryJob: RetryJobService,
  ) {}

  /** 201 with Location for a new job; 200 with the first job for a reused idempotency key. */
  @ApiRoute(API_ROUTES.submitJob)
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

  @ApiRoute(API_ROUTES.listJobs)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query({ schema: listJobsQuerySchema }) query: ListJobsQuery,
  ): Promise<JobPage> {
    return this.queries.list(principal, query);
  }

  @ApiRoute(API_ROUTES.getJob)
  get(@CurrentPrincipal() principal: Principal, @Param('id', id) jobId: string): Promise<Job> {
    return this.queries.get(principal, jobId);
  }

  /** 200 when cancelled at once (it was queued); 202 when a worker has been asked to stop it. */
  @ApiRoute(API_ROUTES.cancelJob)
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
  @ApiRoute(API_ROUTES.retryJob)
  retry(@CurrentPrincipal() principal: Principal, @Param('id', id) jobId: string): Promise<Job> {
    return this.retryJob.retry(principal, jobId);
  }
}
