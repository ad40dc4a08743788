import { type JobEntity, JobStore } from '@ct/db';
import type { CleanQueue, CleanQueueResult, QueuePaused, RetryFailed, RetryFailedResult } from '@ct/shared';
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { RetryJobService } from '../jobs/retry-job.service.js';
import { type JobQueueName, queueNameOf } from './job-queues.js';
import { QueueMonitor } from './queue-monitor.js';
import { knownQueue } from './queue-names.js';

const FAILED_PAGE = 200;

/** The admin actions on a queue: pause, resume, retry the failed jobs, clean finished records. */
@Injectable()
export class QueueAdminService {
  private readonly logger = new Logger(QueueAdminService.name);

  constructor(
    private readonly monitor: QueueMonitor,
    private readonly jobs: JobStore,
    private readonly retryJob: RetryJobService,
  ) {}

  async pause(name: string): Promise<QueuePaused> {
    const queue = knownQueue(name);
    await this.monitor.pause(queue);
    this.logger.log(`queue ${name} paused`);
    return { name, paused: await this.monitor.isPaused(queue) };
  }

  async resume(name: string): Promise<QueuePaused> {
    const queue = knownQueue(name);
    await this.monitor.resume(queue);
    this.logger.log(`queue ${name} resumed`);
    return { name, paused: await this.monitor.isPaused(queue) };
  }

  /**
   * Retries the jobs that failed, as Postgres (the source of truth) has them, newest first: each goes through
   * the retry use case (failed → queued, then added to the queue again), never BullMQ's retry behind its back.
   */
  async retryFailed(principal: Principal, name: string, body: RetryFailed): Promise<RetryFailedResult> {
    const queue = knownQueue(name);
    const result: RetryFailedResult = { retried: [], skipped: [] };
    for (const job of await this.failedOf(queue, body.limit)) {
      try {
        await this.retryJob.retry(principal, job.id);
        result.retried.push(job.id);
      } catch (error) {
        // Another request moved it meanwhile (retried, or deleted): nothing to do for this one.
        if (!(error instanceof ApiError && ['illegal_transition', 'not_found'].includes(error.code)))
          throw error;
        result.skipped.push({ id: job.id, message: error.message });
      }
    }
    this.logger.log(`queue ${name}: retried ${result.retried.length} failed jobs`);
    return result;
  }

  /** Removes BullMQ's records of finished jobs; the jobs, their logs and events stay in Postgres. */
  async clean(name: string, body: CleanQueue): Promise<CleanQueueResult> {
    const queue = knownQueue(name);
    const removed = { completed: 0, failed: 0 };
    for (const state of new Set(body.states))
      removed[state] = await this.monitor.clean(queue, state, body.minAgeSeconds * 1000, body.limit);
    this.logger.log(
      `queue ${name}: cleaned ${removed.completed} completed, ${removed.failed} failed records`,
    );
    return { removed };
  }

  /** Up to `limit` failed jobs of the queue's kinds, newest first (the failed jobs of other queues skipped). */
  private async failedOf(queue: JobQueueName, limit: number): Promise<JobEntity[]> {
    const found: JobEntity[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.jobs.list(null, { state: 'failed', limit: FAILED_PAGE, cursor });
      found.push(...page.items.filter((job) => queueNameOf(job.kind) === queue));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && found.length < limit);
    return found.slice(0, limit);
  }
}
