import { type JobEntity, JobLifecycle, JobStore } from '@ct/db';
import { isFinished, type Job } from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { jobAuditFields } from '../audit/job-audit.js';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { DependencyUnavailableError } from '../errors/dependency-error.js';
import { JobQueues } from '../queues/job-queues.js';
import { JobChannels } from '../redis/job-channels.js';
import { JobQueriesService } from './job-queries.service.js';
import { LostAttempts } from './lost-attempts.js';

/** What a cancel request did: `stopping` when a worker has to stop the job (202), else done (200). */
interface CancelOutcome {
  job: Job;
  stopping: boolean;
}

/**
 * The attempt a cancel is meant for: the one running, or the one a queued job runs next. A request that
 * finds another one after a lost race was meant for an attempt that has ended.
 */
function targetAttempt(job: JobEntity): number {
  return job.state === 'running' ? job.attempts : job.attempts + 1;
}

// Each lost race means the job moved meanwhile; a job moving this often is answered "look again".
const MAX_ROUNDS = 5;

/** `POST /v1/jobs/:id/cancel`. */
@Injectable()
export class CancelJobService {
  private readonly logger = new Logger(CancelJobService.name);

  constructor(
    private readonly jobs: JobStore,
    private readonly lifecycle: JobLifecycle,
    private readonly queue: JobQueues,
    private readonly channels: JobChannels,
    private readonly lost: LostAttempts,
    private readonly queries: JobQueriesService,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async cancel(principal: Principal, id: string): Promise<CancelOutcome> {
    const job = await this.queries.visibleRow(principal, id);
    return this.decide(principal, job, targetAttempt(job), 1);
  }

  /** Every write below is conditional on the job as read; a lost race reads it again and decides again. */
  private async decide(
    principal: Principal,
    job: JobEntity,
    target: number,
    round: number,
  ): Promise<CancelOutcome> {
    if (isFinished(job.state))
      throw new ApiError('illegal_transition', `job ${job.id} is already ${job.state}`, { state: job.state });
    if (targetAttempt(job) !== target || round > MAX_ROUNDS)
      throw new ApiError(
        'illegal_transition',
        `job ${job.id} changed while it was being cancelled (it is ${job.state}, attempt ${job.attempts}): look again`,
        { state: job.state },
      );
    return job.state === 'queued'
      ? this.cancelQueued(principal, job, target, round)
      : this.stopRunning(principal, job, target, round);
  }

  private async again(principal: Principal, job: JobEntity, target: number, round: number) {
    const now = await this.jobs.get(job.id);
    if (now === null) throw ApiError.notFound('job', job.id);
    return this.decide(principal, now, target, round + 1);
  }

  /** Cancels a job no worker has taken. */
  private async cancelQueued(principal: Principal, job: JobEntity, target: number, round: number) {
    if (!(await this.removeFromQueue(job))) return this.stopRunning(principal, job, target, round);
    const now = new Date();
    const moved = await this.lifecycle.move(job.id, {
      to: 'cancelled',
      from: ['queued'],
      attempt: job.attempts,
      patch: {
        failureReason: 'cancelled',
        failureMessage: 'cancelled while queued',
        cancelRequestedAt: now,
        finishedAt: now,
        waitReason: null,
        waitingSince: null,
      },
      message: 'cancelled while queued',
    });
    if (moved === null) return this.again(principal, job, target, round);
    this.audit.warning('job.cancelled', jobAuditFields(job, principal, { while: 'queued' }));
    return { job: await this.queries.toDto(moved.job), stopping: false };
  }

  /** False when a worker holds the BullMQ job. Without Redis, Postgres decides: workers skip cancelled rows. */
  private async removeFromQueue({ id: jobId, kind }: JobEntity): Promise<boolean> {
    try {
      return await this.queue.remove(jobId, kind);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      this.logger.warn(`job ${jobId} cancelled in Postgres only; its BullMQ job stays: ${error.message}`);
      return true;
    }
  }

  /**
   * Records the request on the attempt as read, then ends the job at once if that attempt's worker is gone;
   * otherwise tells the workers, and the one running the job stops it and records the end.
   */
  private async stopRunning(
    principal: Principal,
    job: JobEntity,
    target: number,
    round: number,
  ): Promise<CancelOutcome> {
    if (job.cancelRequestedAt === null) {
      const seen = { state: job.state as 'queued' | 'running', attempts: job.attempts };
      if (!(await this.jobs.requestCancel(job.id, seen))) return this.again(principal, job, target, round);
      // The worker that stops the job writes job.cancelled once it has.
      this.audit.info('job.cancel.requested', jobAuditFields(job, principal));
    }
    const ended = job.state === 'running' ? await this.endIfAbandoned(principal, job) : null;
    if (ended !== null) return ended;
    await this.channels.requestCancel(job.id);
    const current = (await this.jobs.get(job.id)) ?? job;
    return { job: await this.queries.toDto(current), stopping: !isFinished(current.state) };
  }

  /**
   * A running job whose attempt has renewed no lease for longer than it may, and that BullMQ no longer
   * holds as active, has no worker to stop it: it is cancelled here and now (its MLflow run ended KILLED).
   */
  private async endIfAbandoned(principal: Principal, job: JobEntity): Promise<CancelOutcome | null> {
    const silentMs = (await this.lost.silences([job.id])).get(job.id);
    if (silentMs === undefined || !this.lost.expired(silentMs)) return null;
    let state: string;
    try {
      state = await this.queue.getState(job.id, job.kind);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      return null;
    }
    if (state === 'active') return null;
    const why = `attempt ${job.attempts} renewed no lease for ${Math.round(silentMs / 1000)} s: its worker is gone`;
    const moved = await this.lost.settle(job, why, principal.keyId, 'cancelled');
    return moved === null ? null : { job: await this.queries.toDto(moved.job), stopping: false };
  }
}
