import { type JobEntity, JobStore } from '@ct/db';
import type { AuditLogger, Job } from '@ct/shared';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { jobAuditFields } from '../audit/job-audit.js';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { TrainingQueue } from '../queue/training-queue.js';
import { JobSignals } from '../redis/job-signals.js';
import { JobQueriesService } from './job-queries.service.js';
import { JobStateEvents } from './job-state-events.js';

/** What a cancel request did: `stopping` when a worker has to stop the job (202), else done (200). */
export interface CancelOutcome {
  job: Job;
  stopping: boolean;
}

/** `POST /v1/jobs/:id/cancel`. */
@Injectable()
export class CancelJobService {
  private readonly logger = new Logger(CancelJobService.name);

  constructor(
    private readonly jobs: JobStore,
    private readonly queue: TrainingQueue,
    private readonly signals: JobSignals,
    private readonly stateEvents: JobStateEvents,
    private readonly queries: JobQueriesService,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async cancel(principal: Principal, id: string): Promise<CancelOutcome> {
    const job = await this.queries.visibleRow(principal, id);
    switch (job.state) {
      case 'queued':
        return (await this.cancelQueued(principal, job)) ?? this.cancel(principal, id);
      case 'running':
        return this.stopRunning(principal, job);
      case 'succeeded':
      case 'failed':
      case 'cancelled':
        throw new ApiError('illegal_transition', `job ${id} is already ${job.state}`, { state: job.state });
    }
  }

  /** Cancels a job no worker has taken; null when its state changed meanwhile (the caller looks again). */
  private async cancelQueued(principal: Principal, job: JobEntity): Promise<CancelOutcome | null> {
    if (!(await this.removeFromQueue(job.id))) return this.stopRunning(principal, job);
    const now = new Date();
    const cancelled = await this.jobs.transition(
      job.id,
      'cancelled',
      {
        failureReason: 'cancelled',
        failureMessage: 'cancelled while queued',
        cancelRequestedAt: now,
        finishedAt: now,
      },
      ['queued'],
    );
    if (!cancelled) return null;
    await this.stateEvents.record(cancelled, 'cancelled while queued');
    this.audit.warning('job.cancelled', jobAuditFields(job, principal, { while: 'queued' }));
    return { job: await this.queries.toDto(cancelled), stopping: false };
  }

  /** False when a worker holds the BullMQ job. Without Redis, Postgres decides: workers skip cancelled rows. */
  private async removeFromQueue(jobId: string): Promise<boolean> {
    try {
      return await this.queue.remove(jobId);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'dependency_unavailable')) throw error;
      this.logger.warn(`job ${jobId} cancelled in Postgres only; its BullMQ job stays: ${error.message}`);
      return true;
    }
  }

  /** Records the request, then tells the workers; the one running the job stops it and records the end. */
  private async stopRunning(principal: Principal, job: JobEntity): Promise<CancelOutcome> {
    if (!job.cancelRequestedAt) await this.jobs.patch(job.id, { cancelRequestedAt: new Date() });
    // The worker that stops the job writes job.cancelled once it has.
    this.audit.info('job.cancel.requested', jobAuditFields(job, principal));
    await this.signals.requestCancel(job.id);
    const current = (await this.jobs.get(job.id)) ?? job;
    return { job: await this.queries.toDto(current), stopping: true };
  }
}
