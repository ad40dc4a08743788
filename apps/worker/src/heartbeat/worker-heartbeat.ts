import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { QueueName, WORKER_HEARTBEAT_TTL_INTERVALS, type WorkerRecord, workerRegistryKeys } from '@ct/shared';
import { LogThrottle } from '@ct/shared/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { WORKER_CONFIG, WORKER_NAME, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { RunningJobs } from '../training/running-jobs.js';
import { workerVersion } from './worker-version.js';

/**
 * Publishes this worker in the live-worker registry: a record in Redis refreshed every WORKER_HEARTBEAT_MS
 * that expires after a few missed beats (so a killed worker drops out), deleted on a clean shutdown, and
 * published again at once when a job starts or ends here, so that its running jobs never lag a beat. It
 * starts once Postgres is reachable, as consuming does: a worker that cannot run jobs is not live.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  /** Unique even for two workers in one process (tests) or a pid reused by a new container. */
  readonly id = `${WORKER_NAME}:${randomBytes(3).toString('hex')}`;
  private readonly startedAt = new Date().toISOString();
  private readonly version: string;
  private readonly redis: Redis;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  /** A change came while a beat was on its way: publish again once it lands. */
  private beatAgain = false;
  private stopped = false;
  private readonly errorLog = new LogThrottle();

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    connection: RedisConnection,
    private readonly db: Database,
    private readonly running: RunningJobs,
  ) {
    this.version = workerVersion(config.codeVersion);
    // Beats fail fast while Redis is away instead of queueing up: the next one says it all again.
    this.redis = connection.redis.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.redis.on('error', () => undefined); // RedisConnection reports Redis being away
    // Only once started (the timer set): before Postgres is reachable the worker is not live.
    running.onChange(() => {
      if (this.timer !== null) this.beat();
    });
  }

  onApplicationBootstrap(): void {
    this.redis.connect().catch(() => undefined);
    this.db.ready().then(
      () => this.start(),
      () => undefined, // only when stopping before Postgres came up
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    try {
      if (this.redis.status === 'ready') {
        const prefix = this.config.bullmqPrefix;
        await this.redis
          .multi()
          .del(workerRegistryKeys.worker(prefix, this.id))
          .zrem(workerRegistryKeys.index(prefix), this.id)
          .exec();
        this.logger.log(`left the worker registry as ${this.id}`);
      }
    } catch (error) {
      this.logger.warn(`could not leave the worker registry (the record expires): ${describeError(error)}`);
    } finally {
      this.redis.disconnect();
    }
  }

  /** The record as published now. */
  record(): WorkerRecord {
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      concurrency: this.config.concurrency,
      queues: [QueueName.Training, QueueName.Scoring],
      runningJobIds: this.running.ids,
      version: this.version,
      startedAt: this.startedAt,
      lastHeartbeatAt: new Date().toISOString(),
      heartbeatIntervalMs: this.config.heartbeatMs,
    };
  }

  private start(): void {
    if (this.stopped) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.config.heartbeatMs);
    this.logger.log(`in the worker registry as ${this.id}, every ${this.config.heartbeatMs} ms`);
  }

  private beat(): void {
    if (this.stopped) return;
    // One beat at a time: a record built now would race the one on its way. Publish again after it instead.
    if (this.beating) {
      this.beatAgain = true;
      return;
    }
    this.beating = this.publish()
      .catch((error: unknown) => this.reportError(error))
      .finally(() => {
        this.beating = null;
        if (this.beatAgain) {
          this.beatAgain = false;
          this.beat();
        }
      });
  }

  private async publish(): Promise<void> {
    const prefix = this.config.bullmqPrefix;
    const ttlMs = this.config.heartbeatMs * WORKER_HEARTBEAT_TTL_INTERVALS;
    const now = Date.now();
    await this.redis
      .multi()
      .set(workerRegistryKeys.worker(prefix, this.id), JSON.stringify(this.record()), 'PX', ttlMs)
      .zadd(workerRegistryKeys.index(prefix), now + ttlMs, this.id)
      .zremrangebyscore(workerRegistryKeys.index(prefix), '-inf', String(now))
      .exec();
  }

  private reportError(error: unknown): void {
    if (this.errorLog.allow()) this.logger.warn(`heartbeat not published: ${describeError(error)}`);
  }
}
