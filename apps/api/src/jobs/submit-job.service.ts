import { type JobEntity, JobStore } from '@ct/db';
import type { AuditLogger, Job, SubmitJob } from '@ct/shared';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { jobAuditFields } from '../audit/job-audit.js';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { ApiMetrics } from '../observability/api-metrics.js';
import { TrainingQueue } from '../queue/training-queue.js';
import { JobQueriesService } from './job-queries.service.js';
import { JobStateEvents } from './job-state-events.js';

/** `POST /v1/jobs`. */
@Injectable()
export class SubmitJobService {
  private readonly logger = new Logger(SubmitJobService.name);

  constructor(
    private readonly jobs: JobStore,
    private readonly queue: TrainingQueue,
    private readonly stateEvents: JobStateEvents,
    private readonly queries: JobQueriesService,
    private readonly metrics: ApiMetrics,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  /**
   * Stores the job, then queues it. An idempotency key the team already used returns that first job
   * (`created: false`) and queues nothing.
   */
  async submit(principal: Principal, submission: SubmitJob): Promise<{ job: Job; created: boolean }> {
    const { job, created } = await this.jobs.create(principal.team, submission, principal.keyId);
    if (created) {
      await this.stateEvents.submitted(job);
      const { trigger, priority } = job;
      this.audit.info('job.submitted', jobAuditFields(job, principal, { trigger, priority }));
      await this.enqueue(job);
      this.metrics.jobSubmitted(job.team, job.pipeline);
    }
    return { job: await this.queries.toDto(job), created };
  }

  private async enqueue(job: JobEntity): Promise<void> {
    try {
      await this.queue.add(job);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'dependency_unavailable')) throw error;
      // Accepted all the same: the row is queued in Postgres and the reconciler queues it once Redis is back.
      this.logger.warn(
        `job ${job.id} is stored but not queued yet, the reconciler will queue it: ${error.message}`,
      );
    }
  }
}
