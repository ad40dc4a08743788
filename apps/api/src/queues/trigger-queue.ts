import { type JobPayloads, QueueName, type Schedule } from '@ct/shared';
import { LogThrottle } from '@ct/shared/runtime';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { withRedis } from '../redis/bounded.js';
import { RedisClients } from '../redis/redis-clients.js';

type TickData = JobPayloads['pipeline-tick'];

/**
 * What a scheduler ticks for: a pipeline's schedule trigger (`pipeline:<id>`, job `pipeline-tick`) or its
 * monitoring schedule (`monitor:<id>`, job `monitor-tick`).
 */
export type ScheduleKind = 'pipeline' | 'monitor';
const TICK_NAMES = { pipeline: 'pipeline-tick', monitor: 'monitor-tick' } as const;
// Ticks are a Postgres transaction each: many pipelines ticking on the same minute are taken together.
const TICK_CONCURRENCY = 8;
// Waits of 1, 2, 4 ... 512 s between tries: about 17 minutes in all.
const TICK_ATTEMPTS = 11;
// How long a shutdown waits for ticks under way; and for a close that has nothing to wait for.
const CLOSE_GRACE_MS = 10_000;
const FORCED_CLOSE_MS = 1_000;

/** A pipeline's schedule as BullMQ holds it. */
interface HeldSchedule {
  kind: ScheduleKind;
  pipelineId: string;
  cron: string | null;
  timezone: string | null;
  next: number | null;
}

/**
 * What the API does with a tick: fire the pipeline's schedule trigger, or monitor it, for the tick at `tickAt`.
 * False when the pipeline no longer exists: its schedule is then removed.
 */
type TickHandler = (pipelineId: string, tickAt: Date) => Promise<boolean>;

/** The job scheduler's id of a pipeline: one per pipeline and kind, whatever its cron. */
function schedulerId(pipelineId: string, kind: ScheduleKind): string {
  return `${kind}:${pipelineId}`;
}

/** The kind and pipeline of a scheduler id this module made; null for any other. */
function parseSchedulerId(id: string): { kind: ScheduleKind; pipelineId: string } | null {
  const [kind, pipelineId] = id.split(/:(.*)/s);
  if ((kind !== 'pipeline' && kind !== 'monitor') || !pipelineId) return null;
  return { kind, pipelineId };
}

/**
 * The schedules of registered pipelines in BullMQ: one job scheduler per scheduled pipeline (and one per
 * pipeline with a monitoring schedule) on the `ct-triggers` queue, and a BullMQ worker in every API process
 * that takes each tick once (BullMQ stores only a scheduler's next tick, as the job `repeat:<scheduler>:<due ms>`).
 */
@Injectable()
export class TriggerQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TriggerQueue');
  readonly queue: Queue<TickData, unknown, string>;
  private worker: Worker<TickData> | null = null;
  // The worker's own connection: BullMQ leaves a connection it was handed open on close, so this module does.
  private workerConnection: Redis | null = null;
  /** Ticks under way: a shutdown lets them finish (bounded) before it closes the worker. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly handlers = new Map<ScheduleKind, TickHandler>();
  private readonly errorLog = new LogThrottle();

  constructor(
    private readonly redis: RedisClients,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {
    this.queue = new Queue(QueueName.Triggers, { connection: redis.commands, prefix: config.bullmqPrefix });
    this.queue.on('error', (error) => this.warn(`trigger queue: ${error.message}`));
  }

  /** Set once per kind (by the pipelines and the scoring module) before the application starts. */
  onTick(kind: ScheduleKind, handler: TickHandler): void {
    this.handlers.set(kind, handler);
  }

  onApplicationBootstrap(): void {
    this.workerConnection = this.redis.commands.duplicate({ maxRetriesPerRequest: null });
    this.worker = new Worker<TickData>(QueueName.Triggers, (job) => this.tracked(this.take(job)), {
      connection: this.workerConnection,
      prefix: this.config.bullmqPrefix,
      concurrency: TICK_CONCURRENCY,
    });
    this.worker.on('error', (error) => this.warn(`trigger worker: ${error.message}`));
    this.worker.on('failed', (job, error) =>
      this.logger.warn(
        `tick ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`,
      ),
    );
  }

  /** Adds or replaces the pipeline's job scheduler of this kind. */
  async hold(pipelineId: string, schedule: Schedule, kind: ScheduleKind): Promise<void> {
    await this.run('adding a schedule', (queue) =>
      queue.upsertJobScheduler(
        schedulerId(pipelineId, kind),
        { pattern: schedule.cron, tz: schedule.timezone },
        {
          name: TICK_NAMES[kind],
          data: { pipelineId },
          opts: {
            // A tick that cannot be recorded (Postgres away) is tried again for about 17 minutes; its
            // dedupe key keeps a late success to one record.
            attempts: TICK_ATTEMPTS,
            backoff: { type: 'exponential', delay: 1_000 },
            removeOnComplete: { count: 100 },
            removeOnFail: { age: 7 * 24 * 60 * 60 },
          },
        },
      ),
    );
  }

  /** Removes the pipeline's job scheduler of this kind and its next tick; false when BullMQ held none. */
  release(pipelineId: string, kind: ScheduleKind): Promise<boolean> {
    return this.run('removing a schedule', (queue) =>
      queue.removeJobScheduler(schedulerId(pipelineId, kind)),
    );
  }

  /** Every pipeline schedule BullMQ holds, of both kinds. */
  async held(): Promise<HeldSchedule[]> {
    const schedulers = await this.run(
      'listing schedules',
      (queue) => queue.getJobSchedulers(0, -1, true),
      30_000,
    );
    return schedulers.flatMap((scheduler) => {
      const parsed = parseSchedulerId(scheduler.id ?? scheduler.key);
      if (!parsed) return [];
      return [
        {
          ...parsed,
          cron: scheduler.pattern ?? null,
          timezone: scheduler.tz ?? null,
          next: scheduler.next ?? null,
        },
      ];
    });
  }

  private async take(job: Job<TickData>): Promise<void> {
    const kind: ScheduleKind = job.name === TICK_NAMES.monitor ? 'monitor' : 'pipeline';
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`no ${kind} tick handler is registered`);
    const { pipelineId } = job.data;
    if (await handler(pipelineId, tickTime(job))) return;
    // The pipeline was deleted while its scheduler lived on (Redis was away during the delete).
    const tick = kind === 'monitor' ? 'monitoring tick' : 'tick';
    this.logger.warn(
      `a ${tick} came for pipeline ${pipelineId}, which no longer exists: removing its schedule`,
    );
    await this.release(pipelineId, kind);
  }

  private run<T>(
    what: string,
    operation: (queue: Queue<TickData, unknown, string>) => Promise<T>,
    timeoutMs?: number,
  ) {
    return withRedis(
      this.redis,
      `while ${what} in the trigger queue`,
      () => operation(this.queue),
      timeoutMs,
    );
  }

  private warn(message: string): void {
    if (this.errorLog.allow()) this.logger.warn(message);
  }

  /**
   * Lets the ticks under way finish (short transactions), bounded, then closes the worker without waiting
   * for jobs: BullMQ's close would otherwise wait for a tick stuck on an unreachable dependency, and its lock
   * renewal timer, which it stops only once every job has ended, would keep the process alive. With Redis
   * unreachable there is nothing to wait for. The worker's connection is dropped either way.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      const usable = this.redis.commandsUsable;
      if (usable && !(await within(Promise.allSettled([...this.inFlight]), CLOSE_GRACE_MS)))
        this.logger.warn('a schedule tick did not finish within the shutdown grace: closing without it');
      if (!(await within(worker.close(true), FORCED_CLOSE_MS)))
        this.logger.warn('the tick worker did not close in time: dropping its Redis connection');
    }
    this.workerConnection?.disconnect();
    if (!(await within(this.queue.close(), FORCED_CLOSE_MS)))
      this.logger.warn('the trigger queue did not close in time (Redis unreachable)');
  }

  private tracked<T>(tick: Promise<T>): Promise<T> {
    this.inFlight.add(tick);
    return tick.finally(() => this.inFlight.delete(tick));
  }
}

/** Whether `operation` settled within `ms` (its failure counts as settled: there is nothing left to do). */
async function within(operation: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      operation.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The tick's due time: the last part of the id BullMQ gives a scheduler's job (`repeat:<id>:<ms>`). */
function tickTime(job: Pick<Job, 'id' | 'timestamp' | 'delay'>): Date {
  const due = Number(
    String(job.id ?? '')
      .split(':')
      .at(-1),
  );
  return new Date(Number.isFinite(due) && due > 0 ? due : job.timestamp + (job.delay ?? 0));
}
