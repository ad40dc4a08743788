import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { type CleanableQueueState, QUEUE_JOB_STATES, type QueueJobState } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { RedisClients } from '../redis/redis-clients.js';
import { JOB_QUEUES, type JobQueueName, JobQueues } from './job-queues.js';

/** A BullMQ job of a job queue, as plain data. */
export interface QueueJobRecord {
  id: string;
  name: string;
  team: string | null;
  priority: number;
  attemptsMade: number;
  addedAt: number;
  processedAt: number | null;
  finishedAt: number | null;
  failedReason: string | null;
}

/** Where a job waits: how many jobs workers take before it. */
export interface WaitingPlace {
  state: 'waiting' | 'prioritized';
  ahead: number;
}

// Cleaning thousands of records takes longer than a lookup may.
const CLEAN_TIMEOUT_MS = 30_000;
// BullMQ scores a prioritized job `priority * 2^32 + a counter`: each priority is a band of scores, its jobs
// in the order they were added. Beyond this many priorities in use, the oldest is looked for among these.
const PRIORITY_BAND = 0x100000000;
const OLDEST_BANDS_LIMIT = 100;

/** The job queues as monitoring and administration see them: counts, listings, pause, clean, order. */
@Injectable()
export class QueueMonitor {
  constructor(
    private readonly bull: JobQueues,
    private readonly redis: RedisClients,
  ) {}

  /** The queues that hold jobs, training first. */
  get names(): readonly JobQueueName[] {
    return JOB_QUEUES;
  }

  async counts(name: JobQueueName): Promise<Record<QueueJobState, number>> {
    const counts = await this.bull.run(name, 'counting jobs', (queue) =>
      queue.getJobCounts(...QUEUE_JOB_STATES),
    );
    return Object.fromEntries(QUEUE_JOB_STATES.map((state) => [state, counts[state] ?? 0])) as Record<
      QueueJobState,
      number
    >;
  }

  isPaused(name: JobQueueName): Promise<boolean> {
    return this.bull.run(name, 'reading whether it is paused', (queue) => queue.isPaused());
  }

  /** Workers finish the jobs they hold but take no new ones until `resume`. */
  pause(name: JobQueueName): Promise<void> {
    return this.bull.run(name, 'pausing', (queue) => queue.pause());
  }

  resume(name: JobQueueName): Promise<void> {
    return this.bull.run(name, 'resuming', (queue) => queue.resume());
  }

  /**
   * Jobs in `state`, from `start` to `end` (inclusive) in BullMQ's order, most recent (or last to run) first.
   * A job removed between BullMQ listing its id and reading it is null, so positions stay those of the list.
   */
  async jobs(
    name: JobQueueName,
    state: QueueJobState,
    start: number,
    end: number,
  ): Promise<(QueueJobRecord | null)[]> {
    // getJobs would drop those, and pages would skip jobs; the `wait` list is what BullMQ calls waiting.
    const type = state === 'waiting' ? 'wait' : state;
    const jobs = await this.bull.run(name, 'listing jobs', async (queue) => {
      const ids = await queue.getRanges([type], start, end, false);
      return Promise.all(ids.map((id) => queue.getJob(id)));
    });
    return jobs.map((job) => (job ? toRecord(job) : null));
  }

  /** Removes BullMQ's records of jobs that finished in `state` at least `graceMs` ago; Postgres keeps the jobs. */
  async clean(
    name: JobQueueName,
    state: CleanableQueueState,
    graceMs: number,
    limit: number,
  ): Promise<number> {
    const removed = await this.bull.run(
      name,
      `cleaning ${state} jobs`,
      (queue) => queue.clean(graceMs, limit, state),
      CLEAN_TIMEOUT_MS,
    );
    return removed.length;
  }

  /**
   * Where a waiting job stands in the order workers take jobs: BullMQ 6 takes the `wait` list first (oldest
   * first), then the prioritized set (lowest priority number first, then oldest). Null unless it waits.
   */
  async waitingPlace(name: JobQueueName, jobId: string): Promise<WaitingPlace | null> {
    const queue = this.bull.queue(name);
    const [wait, prioritized] = [queue.toKey('wait'), queue.toKey('prioritized')];
    const [waitLength, index, rank] = await this.bull.run(name, 'locating a job', async () => {
      const results = await this.redis.commands
        .multi()
        .llen(wait)
        .lpos(wait, jobId)
        .zrank(prioritized, jobId)
        .exec();
      return (results ?? []).map(([error, value]) => {
        if (error) throw error;
        return value as number | null;
      });
    });
    const waiting = waitLength ?? 0;
    // New jobs are pushed on the left and taken from the right: those to the right go first.
    if (index !== null && index !== undefined) return { state: 'waiting', ahead: waiting - 1 - index };
    if (rank !== null && rank !== undefined) return { state: 'prioritized', ahead: waiting + rank };
    return null;
  }

  /**
   * When the job waiting longest (waiting or prioritized) was added, in ms since the epoch; null if none. Reads
   * the oldest of the `wait` list and the first job of each priority in use, never every job: a few commands
   * however long the queue. A job put back at its priority (a retry after its backoff) counts from its place
   * there, not from when it was first added.
   */
  async oldestWaitingAddedAt(name: JobQueueName): Promise<number | null> {
    const queue = this.bull.queue(name);
    const [wait, prioritized] = [queue.toKey('wait'), queue.toKey('prioritized')];
    const redis = this.redis.commands;
    const stamps = await this.bull.run(name, 'finding the oldest waiting job', async () => {
      const oldestInWait = await redis.lindex(wait, -1);
      const ids = oldestInWait ? [oldestInWait] : [];
      let from = '-inf';
      for (let band = 0; band < OLDEST_BANDS_LIMIT; band++) {
        const [id, score] = await redis.zrangebyscore(prioritized, from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1);
        if (id === undefined || score === undefined) break;
        ids.push(id);
        from = String((Math.floor(Number(score) / PRIORITY_BAND) + 1) * PRIORITY_BAND);
      }
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(queue.toKey(id), 'timestamp');
      return ((await pipeline.exec()) ?? []).map(([, value]) => Number(value));
    });
    const valid = stamps.filter((stamp) => Number.isFinite(stamp) && stamp > 0);
    return valid.length > 0 ? Math.min(...valid) : null;
  }

  /**
   * The queues for Bull Board. Retrying from the board is off: a retry must move the Postgres row through the
   * state machine first (`POST /v1/jobs/:id/retry`, `POST /v1/queues/:name/retry-failed`).
   */
  boardAdapters(): BullMQAdapter[] {
    return JOB_QUEUES.map(
      (name) => new BullMQAdapter(this.bull.queue(name), { allowRetries: false, displayName: name }),
    );
  }
}

function toRecord(job: Job): QueueJobRecord {
  const data = (job.data ?? {}) as { team?: unknown };
  return {
    id: String(job.id),
    name: job.name,
    team: typeof data.team === 'string' ? data.team : null,
    priority: job.priority ?? 0,
    attemptsMade: job.attemptsMade ?? 0,
    addedAt: job.timestamp,
    processedAt: job.processedOn ?? null,
    finishedAt: job.finishedOn ?? null,
    failedReason: job.failedReason ? job.failedReason : null,
  };
}
