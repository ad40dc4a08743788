import { type JobEntity, JobStore } from '@ct/db';
import type { Job, JobPage, ListJobsQuery } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { type Principal, teamScope } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { toJobDto } from './jobs.mapper.js';

/** Reading jobs, within the caller's team (all teams for admin keys). */
@Injectable()
export class JobQueriesService {
  constructor(private readonly jobs: JobStore) {}

  /**
   * The row of a job the principal may see. Another team's job is "not found", exactly like a job that
   * does not exist, so ids do not leak. @throws ApiError not_found.
   */
  async visibleRow(principal: Principal, id: string): Promise<JobEntity> {
    const job = await this.jobs.get(id, teamScope(principal));
    if (!job) throw ApiError.notFound('job', id);
    return job;
  }

  async get(principal: Principal, id: string): Promise<Job> {
    return this.toDto(await this.visibleRow(principal, id));
  }

  async list(principal: Principal, query: ListJobsQuery): Promise<JobPage> {
    const page = await this.jobs.list(teamScope(principal), query);
    const attempts = await this.jobs.attemptsOfJobs(page.items);
    return {
      items: page.items.map((job) => toJobDto(job, attempts.get(job.id) ?? [])),
      nextCursor: page.nextCursor,
    };
  }

  async toDto(job: JobEntity): Promise<Job> {
    return toJobDto(job, (await this.jobs.attemptsOfJobs([job])).get(job.id) ?? []);
  }
}
