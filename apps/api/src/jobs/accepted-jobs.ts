import type { JobEntity } from '@ct/db';
import type { AuditFields, AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { DependencyUnavailableError } from '../errors/dependency-error.js';
import { ApiMetrics } from '../observability/api-metrics.js';
import { JobQueues } from '../queues/job-queues.js';

/**
 * What follows a new job's commit, whoever made it (a submission, a pipeline's trigger): the audit event,
 * the BullMQ job, the metric. Its first `state` event is already stored.
 */
@Injectable()
export class AcceptedJobs {
  private readonly logger = new Logger(AcceptedJobs.name);

  constructor(
    private readonly queue: JobQueues,
    private readonly metrics: ApiMetrics,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async dispatch(job: JobEntity, actor: string, extra: AuditFields = {}): Promise<void> {
    const { trigger, priority } = job;
    this.audit.info('job.submitted', {
      jobId: job.id,
      team: job.team,
      pipeline: job.pipeline,
      actor,
      trigger,
      priority,
      ...extra,
    });
    await this.enqueue(job);
    this.metrics.jobSubmitted(job.team, job.pipeline);
  }

  private async enqueue(job: JobEntity): Promise<void> {
    try {
      await this.queue.add(job);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      // Accepted all the same: the row is queued in Postgres and the reconciler queues it once Redis is back.
      this.logger.warn(
        `job ${job.id} is stored but not queued yet, the reconciler will queue it: ${error.message}`,
      );
    }
  }
}
