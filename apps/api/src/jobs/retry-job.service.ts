import { type JobEntity, JobLifecycle } from '@ct/db';
import type { Job } from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { jobAuditFields } from '../audit/job-audit.js';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { DependencyUnavailableError } from '../errors/dependency-error.js';
import { JobQueues } from '../queues/job-queues.js';
import { JobQueriesService } from './job-queries.service.js';

/** `POST /v1/jobs/:id/retry`: a failed or cancelled job runs again, as a new attempt of the same job. */
@Injectable()
export class RetryJobService {
  private readonly logger = new Logger(RetryJobService.name);

  constructor(
    private readonly lifecycle: JobLifecycle,
    private readonly queue: JobQueues,
    private readonly queries: JobQueriesService,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async retry(principal: Principal, id: string): Promise<Job> {
    const job = await this.queries.visibleRow(principal, id);
    if (job.state !== 'failed' && job.state !== 'cancelled')
      throw new ApiError(
        'illegal_transition',
        `only a failed or cancelled job can be retried; job ${id} is ${job.state}`,
        {
          state: job.state,
        },
      );
    // Fenced by the attempt read: the fresh budget below is computed from it.
    const moved = await this.lifecycle.move(id, {
      to: 'queued',
      from: ['failed', 'cancelled'],
      attempt: job.attempts,
      patch: {
        failureReason: null,
        failureMessage: null,
        cancelRequestedAt: null,
        finishedAt: null,
        progressStep: null,
        progressFraction: 0,
        // A user's retry gets a fresh budget: the attempts so far no longer count against maxAttempts.
        uncountedAttempts: job.attempts,
        waitReason: null,
        waitingSince: null,
      },
      message: 'retried',
    });
    if (!moved) throw new ApiError('illegal_transition', `job ${id} changed state meanwhile; look again`);
    const queued = moved.job;
    this.audit.info('job.retried', jobAuditFields(job, principal, { previousState: job.state }));
    await this.requeue(queued);
    return this.queries.toDto(queued);
  }

  /** BullMQ still holds the finished job under the same id (kept for a while): it must go first. */
  private async requeue(job: JobEntity): Promise<void> {
    try {
      if (!(await this.queue.replace(job)))
        this.logger.warn(`job ${job.id}: a worker still holds its last run; the reconciler will queue it`);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      this.logger.warn(
        `job ${job.id} is queued in Postgres only, the reconciler will queue it: ${error.message}`,
      );
    }
  }
}
