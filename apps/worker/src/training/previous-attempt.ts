import { setTimeout as sleep } from 'node:timers/promises';
import { countedAttempts, type JobEntity, WORKER_LOST } from '@ct/db';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, type Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { AttemptAudit } from './attempt-audit.js';
import { TrainingJobError } from './training-job-error.js';

const POLL_MS = 500;

/**
 * A job that BullMQ hands out while Postgres still has it running: its attempt's worker stalled (killed,
 * or cut off from Redis). Before another attempt may start, that attempt's child must surely be gone: its
 * row says it ended, or its heartbeat is older than the lease plus the kill grace (a worker that cannot
 * renew its lease stops its child within that time; a dead worker's child died with it). Then the lost
 * attempt is ended (it counts) and the job queued again. At most one child per job exists at any moment.
 */
@Injectable()
export class PreviousAttempt {
  constructor(
    private readonly db: Database,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  /** The job as it is once the previous attempt is settled (queued, or whatever another party made it). */
  async settle(job: JobEntity, logger: Logger): Promise<JobEntity> {
    const { attemptLeaseMs, killGraceMs } = this.config;
    const goneAfterMs = attemptLeaseMs + killGraceMs;
    const deadline = Date.now() + goneAfterMs + 2 * POLL_MS;
    let waited = false;
    for (;;) {
      const current = await this.db.jobs.get(job.id);
      if (current === null || current.state !== 'running' || current.attempts !== job.attempts)
        return current ?? job;
      const row = await this.db.jobs.attempt(job.id, job.attempts);
      // Measured by Postgres' clock, the one the heartbeats are written with.
      const silentMs = (await this.db.jobs.attemptSilences([job.id])).get(job.id) ?? Number.POSITIVE_INFINITY;
      if (row?.finishedAt || silentMs > goneAfterMs) break;
      if (Date.now() > deadline)
        // Its worker is alive and renewing: it has the job still; BullMQ hands it out again later.
        throw new TrainingJobError(
          `attempt ${job.attempts} is still alive elsewhere`,
          'requeue',
          attemptLeaseMs,
        );
      if (!waited)
        logger.warn(`attempt ${job.attempts} was left running: waiting until its process is surely gone`);
      waited = true;
      await sleep(POLL_MS);
    }
    // The lost attempt counts: a job whose workers keep dying ends failed instead of running for ever.
    const last = countedAttempts(job) >= job.maxAttempts;
    const message = last ? `${WORKER_LOST}; no attempts left` : WORKER_LOST;
    logger.warn(`attempt ${job.attempts} was left running by a lost worker: ending it (${message})`);
    const failure = { failureReason: 'infrastructure', message } as const;
    const queued = await this.db.lifecycle.move(job.id, {
      to: last ? 'failed' : 'queued',
      from: ['running'],
      attempt: job.attempts,
      patch: {
        failureReason: failure.failureReason,
        failureMessage: message,
        ...(last ? { finishedAt: new Date() } : {}),
      },
      message,
      endAttempt: { outcome: 'failed', ...failure },
      runEnd: job.mlflowRunId === null ? undefined : { runId: job.mlflowRunId, status: 'FAILED' },
    });
    if (queued === null) return (await this.db.jobs.get(job.id)) ?? job;
    new AttemptAudit(this.audit, job, job.attempts).ended(
      last ? 'failed' : 'queued',
      failure.failureReason,
      message,
    );
    return queued.job;
  }
}
