import { JobStore } from '@ct/db';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { TrainingQueue } from '../queue/training-queue.js';

/** Rows younger than this are left alone: their request may still be adding them to BullMQ. */
export const RECONCILE_MIN_AGE_MS = 5_000;

/**
 * Postgres is the source of truth: every so often, each job queued there for a while must be in BullMQ.
 * A missing BullMQ job (Redis was down, or the API died between the insert and the add) is added; a
 * finished one left over from an earlier run (a retry that could not replace it) is replaced.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly jobs: JobStore,
    private readonly queue: TrainingQueue,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; returns how many jobs it queued. A call during a pass joins that pass. */
  reconcile(options: { minAgeMs?: number } = {}): Promise<number> {
    this.running ??= this.pass(options.minAgeMs ?? RECONCILE_MIN_AGE_MS).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.config.reconcileIntervalMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.reconcile();
    } catch (error) {
      // Typically Redis or Postgres is down; the next pass tries again, and nothing was lost meanwhile.
      this.logger.warn(`reconcile pass failed: ${(error as Error).message}`);
    } finally {
      this.schedule();
    }
  }

  private async pass(minAgeMs: number): Promise<number> {
    const rows = await this.jobs.queuedBefore(new Date(Date.now() - minAgeMs));
    let queued = 0;
    for (const row of rows) {
      if (this.stopped) break;
      const state = await this.queue.getState(row.id);
      if (state === 'missing') await this.queue.add(row);
      else if (state === 'completed' || state === 'failed') {
        if (!(await this.queue.replace(row))) continue;
      } else continue;
      queued += 1;
      this.logger.log(`job ${row.id} was queued in Postgres but ${state} in BullMQ: queued it again`);
    }
    return queued;
  }
}
