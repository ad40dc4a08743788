import { setTimeout as sleep } from 'node:timers/promises';
import {
  createDataSource,
  EventStore,
  JobLifecycle,
  JobStore,
  LogStore,
  ModelDecisionStore,
  ModelLockStore,
  MonitoringStore,
  PendingRunEndStore,
  PipelineStore,
  PipelineTriggers,
  PredictionCopy,
} from '@ct/db';
import { LogThrottle } from '@ct/shared/runtime';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { redactedUrl, WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { describeError } from '../errors/infrastructure-error.js';

const RETRY_EVERY_MS = 1_000;

/**
 * The worker's Postgres connection and the stores over it. Like Redis, Postgres may come up after the
 * worker: `ready()` keeps trying, says so, and gives up only when the worker stops.
 */
@Injectable()
export class Database implements OnApplicationShutdown {
  readonly jobs: JobStore;
  readonly events: EventStore;
  readonly logs: LogStore;
  readonly decisions: ModelDecisionStore;
  /** The one place that moves a job's state. */
  readonly lifecycle: JobLifecycle;
  readonly modelLocks: ModelLockStore;
  readonly runEnds: PendingRunEndStore;
  /** Score jobs' predictions in, monitor jobs' windows out. */
  readonly predictionCopy: PredictionCopy;
  readonly monitoring: MonitoringStore;
  /** A degradation trigger's firing: the same transaction as the API's triggers. */
  readonly pipelines: PipelineStore;
  readonly triggers: PipelineTriggers;
  private readonly logger = new Logger(Database.name);
  private readonly dataSource: DataSource;
  private connecting: Promise<void> | null = null;
  private stopped = false;

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {
    this.dataSource = createDataSource(config.databaseUrl);
    this.jobs = new JobStore(this.dataSource);
    this.events = new EventStore(this.dataSource);
    this.logs = new LogStore(this.dataSource, config.jobLogMaxBytes);
    this.decisions = new ModelDecisionStore(this.dataSource);
    this.lifecycle = new JobLifecycle(this.dataSource);
    this.modelLocks = new ModelLockStore(this.dataSource);
    this.runEnds = new PendingRunEndStore(this.dataSource);
    this.predictionCopy = new PredictionCopy(this.dataSource);
    this.monitoring = new MonitoringStore(this.dataSource);
    this.pipelines = new PipelineStore(this.dataSource);
    this.triggers = new PipelineTriggers(this.dataSource);
  }

  /** Whether Postgres answers a query within `timeoutMs`. */
  async reachable(timeoutMs: number): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    const timer = new AbortController();
    try {
      return await Promise.race([
        this.dataSource.query('SELECT 1').then(() => true),
        sleep(timeoutMs, false, { signal: timer.signal, ref: false }),
      ]);
    } catch {
      return false;
    } finally {
      timer.abort();
    }
  }

  /** Resolves once connected; rejects only if the worker stops first. */
  ready(): Promise<void> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async connect(): Promise<void> {
    const target = redactedUrl(this.config.databaseUrl);
    const retryLog = new LogThrottle();
    for (;;) {
      if (this.stopped) throw new Error('the worker stopped before Postgres was reachable');
      try {
        await this.dataSource.initialize();
        this.logger.log(`connected to Postgres at ${target}`);
        return;
      } catch (error) {
        if (retryLog.allow()) this.logger.warn(`waiting for Postgres at ${target}: ${describeError(error)}`);
        await sleep(RETRY_EVERY_MS);
      }
    }
  }
}
