import { type JobKind, type JobPayloads, QueueName, queueOfKind, trainingJobOptions } from '@ct/shared';
import { LogThrottle } from '@ct/shared/runtime';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { withRedis } from '../redis/bounded.js';
import { RedisClients } from '../redis/redis-clients.js';

/** The queues that hold jobs (a Postgres row each): training, and scoring with monitoring. */
export const JOB_QUEUES = [QueueName.Training, QueueName.Scoring] as const;
export type JobQueueName = (typeof JOB_QUEUES)[number];

/** A BullMQ queue of jobs; every job name of them carries the same payload (the row holds the rest). */
type JobBullQueue = Queue<JobPayloads['train'], unknown, 'train' | 'score' | 'monitor'>;

/** Where a job stands in BullMQ; `missing` when BullMQ has no job with that id. */
export type QueuedJobState =
  | 'waiting'
  | 'prioritized'
  | 'delayed'
  | 'waiting-children'
  | 'active'
  | 'completed'
  | 'failed'
  | 'missing';

/** The fields of a job row that BullMQ needs; its kind says which queue holds it. */
type Enqueueable = { id: string; team: string; maxAttempts: number; priority: number; kind: JobKind };

/** The queue of a job of this kind. */
export function queueNameOf(kind: JobKind): JobQueueName {
  return queueOfKind(kind).queue as JobQueueName;
}

/**
 * The API's BullMQ `Queue`s of jobs, one per job queue (`ct-training`, or `ct-scoring` for score and monitor
 * jobs), shared by the job use cases, the monitoring API and Bull Board; closed on shutdown. Every operation
 * waits for Redis a bounded time and throws a `DependencyUnavailableError` rather than hang its caller.
 */
@Injectable()
export class JobQueues implements BeforeApplicationShutdown {
  private readonly logger = new Logger('JobQueues');
  private readonly errorLog = new LogThrottle();
  private readonly queues: ReadonlyMap<JobQueueName, JobBullQueue>;

  constructor(
    private readonly redis: RedisClients,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.queues = new Map(
      JOB_QUEUES.map((name) => {
        const queue: JobBullQueue = new Queue(name, {
          connection: redis.commands,
          prefix: config.bullmqPrefix,
        });
        queue.on('error', (error) => {
          if (this.errorLog.allow()) this.logger.warn(`${name} queue: ${error.message}`);
        });
        return [name, queue];
      }),
    );
  }

  queue(name: JobQueueName): JobBullQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no job queue ${name}`);
    return queue;
  }

  /** Runs an operation on the queue, waiting for Redis a bounded time. */
  async run<T>(
    name: JobQueueName,
    what: string,
    operation: (queue: JobBullQueue) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T> {
    return withRedis(
      this.redis,
      `while ${what} in the ${name} queue`,
      () => operation(this.queue(name)),
      timeoutMs,
    );
  }

  /** Adds the job to the queue of its kind; adding a job whose id BullMQ already holds changes nothing. */
  async add(job: Enqueueable): Promise<void> {
    const { queue, name } = queueOfKind(job.kind);
    await this.run(queue as JobQueueName, 'adding a job', (bull) =>
      bull.add(name, { jobId: job.id, team: job.team }, trainingJobOptions(job)),
    );
  }

  /** Removes the job unless a worker holds it; true when BullMQ no longer has it. */
  async remove(jobId: string, kind: JobKind = 'train'): Promise<boolean> {
    return (await this.run(queueNameOf(kind), 'removing a job', (queue) => queue.remove(jobId))) === 1;
  }

  /** Replaces a finished BullMQ job by a new one with the same id (a retry); false if a worker holds it. */
  async replace(job: Enqueueable): Promise<boolean> {
    if (!(await this.remove(job.id, job.kind))) return false;
    await this.add(job);
    return true;
  }

  async getState(jobId: string, kind: JobKind = 'train'): Promise<QueuedJobState> {
    const state = await this.run(queueNameOf(kind), 'reading a job state', (queue) =>
      queue.getJobState(jobId),
    );
    return state === 'unknown' ? 'missing' : state;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
