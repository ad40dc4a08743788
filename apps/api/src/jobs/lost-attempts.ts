import {
  countedAttempts,
  type JobEntity,
  JobLifecycle,
  type JobMove,
  type JobMoved,
  JobStore,
  WORKER_LOST,
} from '@ct/db';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';

/**
 * How far past its lease an attempt must be before the API ends it. A worker that cannot renew stops its
 * child when the lease runs out and kills it after its kill grace (5 s by default): by then the child is gone.
 */
const LEASE_MARGIN_MS = 10_000;

/** What becomes of a running job whose worker is gone. */
type LostAttemptEnd = 'cancelled' | 'queued' | 'failed';

/** Cancelled when someone asked; queued again while attempts are left; failed otherwise. */
function lostAttemptEnd(job: JobEntity): LostAttemptEnd {
  if (job.cancelRequestedAt !== null) return 'cancelled';
  return countedAttempts(job) < job.maxAttempts ? 'queued' : 'failed';
}

/**
 * Running jobs whose worker died: their attempt's heartbeat has not been renewed for longer than the lease,
 * so no worker (and no child, which dies with its worker) writes for it any more. Ending them goes through
 * the lifecycle, fenced by that attempt: a worker that is alive after all keeps its job.
 */
@Injectable()
export class LostAttempts {
  private readonly logger = new Logger(LostAttempts.name);

  constructor(
    private readonly jobs: JobStore,
    private readonly lifecycle: JobLifecycle,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  /** How long each job's latest attempt has been silent (ms). */
  silences(jobIds: readonly string[]): Promise<Map<string, number>> {
    return this.jobs.attemptSilences(jobIds);
  }

  /** Whether an attempt silent this long has lost its worker. */
  expired(silentMs: number | undefined): boolean {
    return silentMs !== undefined && silentMs > this.config.attemptLeaseMs + LEASE_MARGIN_MS;
  }

  /**
   * Ends (or queues again) the running job `job` as read, fenced by its attempt; null when it moved
   * meanwhile. `why` (how the loss was seen) starts the state event's message; `actor` is who acted.
   */
  async settle(
    job: JobEntity,
    why: string,
    actor: string,
    end: LostAttemptEnd = lostAttemptEnd(job),
  ): Promise<JobMoved | null> {
    const runId = (await this.jobs.attempt(job.id, job.attempts))?.mlflowRunId ?? job.mlflowRunId;
    const { move, outcome } = lostMove(job, end);
    const message = `${why}: ${outcome}`;
    const moved = await this.lifecycle.move(job.id, {
      ...move,
      from: ['running'],
      attempt: job.attempts,
      message,
      runEnd: runId === null ? undefined : { runId, status: end === 'cancelled' ? 'KILLED' : 'FAILED' },
    });
    if (moved === null) {
      this.logger.log(`job ${job.id}: attempt ${job.attempts} ended meanwhile; left as it is`);
      return null;
    }
    this.logger.warn(`job ${job.id}: ${message}`);
    const fields = {
      jobId: job.id,
      team: job.team,
      pipeline: job.pipeline,
      attempt: job.attempts,
      failureReason: moved.job.failureReason,
      message,
      actor,
    };
    if (end === 'failed') this.audit.severe('job.failed', fields);
    else this.audit.warning(end === 'cancelled' ? 'job.cancelled' : 'job.retrying', fields);
    return moved;
  }
}

function lostMove(job: JobEntity, end: LostAttemptEnd): { move: Omit<JobMove, 'from'>; outcome: string } {
  const now = new Date();
  const lost = { outcome: 'failed', failureReason: 'infrastructure', message: WORKER_LOST } as const;
  const idle = { waitReason: null, waitingSince: null };
  switch (end) {
    case 'cancelled':
      return {
        outcome: 'cancelled, as requested',
        move: {
          to: 'cancelled',
          patch: {
            ...idle,
            failureReason: 'cancelled',
            failureMessage: 'cancelled; its worker was lost',
            ...(job.cancelRequestedAt === null ? { cancelRequestedAt: now } : {}),
            finishedAt: now,
          },
          endAttempt: { outcome: 'cancelled', failureReason: 'cancelled', message: WORKER_LOST },
        },
      };
    case 'queued':
      return {
        outcome: `queued again (${countedAttempts(job)} of ${job.maxAttempts} attempts used)`,
        move: {
          to: 'queued',
          patch: { ...idle, failureReason: 'infrastructure', failureMessage: WORKER_LOST },
          endAttempt: lost,
        },
      };
    case 'failed': {
      const reason = 'its worker was lost and no attempts are left';
      return {
        outcome: reason,
        move: {
          to: 'failed',
          patch: { ...idle, failureReason: 'infrastructure', failureMessage: reason, finishedAt: now },
          endAttempt: lost,
        },
      };
    }
  }
}
