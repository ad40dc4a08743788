import { type PipelineEntity, PipelineStore } from '@ct/db';
import { monitoringConfigSchema, type Schedule } from '@ct/shared';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { type ScheduleKind, TriggerQueue } from '../queues/trigger-queue.js';

// After a failed resync (Redis or Postgres away), the next try comes sooner than the regular interval.
const RETRY_MS = 5_000;

/** What a resync changed in BullMQ. */
interface ResyncResult {
  added: number;
  replaced: number;
  removed: number;
}

/**
 * Keeps BullMQ's job schedulers (pipeline schedules and monitoring schedules) in step with the pipelines in
 * Postgres, which win: on every change of a
 * pipeline, at start-up, and every PIPELINE_SCHEDULE_RESYNC_MS (a scheduler deleted behind the API's back
 * comes back; one whose pipeline is gone or disabled goes).
 */
@Injectable()
export class ScheduleSync implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ScheduleSync');
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly pipelines: PipelineStore,
    private readonly queue: TriggerQueue,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Makes BullMQ hold the pipeline's schedules (its trigger's and its monitoring's) that should run, and
   * nothing otherwise. When Redis cannot be reached the change stays in Postgres and the next resync applies
   * it; the caller is not failed.
   */
  async sync(pipeline: Pick<PipelineEntity, 'id' | 'enabled' | 'schedule' | 'monitoring'>): Promise<void> {
    try {
      for (const [kind, schedule] of wantedOf(pipeline)) {
        if (schedule) await this.queue.hold(pipeline.id, schedule, kind);
        else await this.queue.release(pipeline.id, kind);
      }
    } catch (error) {
      this.logger.warn(
        `the schedules of pipeline ${pipeline.id} are saved but not yet in BullMQ (a resync applies them): ${message(error)}`,
      );
      this.schedule(RETRY_MS);
    }
  }

  /** Adds, replaces and removes job schedulers until BullMQ holds exactly the schedules Postgres has. */
  async resync(): Promise<ResyncResult> {
    const [scheduled, monitored] = await Promise.all([
      this.pipelines.scheduled(),
      this.pipelines.monitorScheduled(),
    ]);
    const wanted = new Map<string, { kind: ScheduleKind; pipelineId: string; schedule: Schedule }>();
    for (const p of scheduled)
      if (p.schedule)
        wanted.set(`pipeline:${p.id}`, { kind: 'pipeline', pipelineId: p.id, schedule: p.schedule });
    for (const p of monitored) {
      const schedule = monitoringOf(p).schedule;
      if (schedule) wanted.set(`monitor:${p.id}`, { kind: 'monitor', pipelineId: p.id, schedule });
    }
    const held = new Map((await this.queue.held()).map((h) => [`${h.kind}:${h.pipelineId}`, h]));
    const result: ResyncResult = { added: 0, replaced: 0, removed: 0 };
    for (const [id, { kind, pipelineId, schedule }] of wanted) {
      const current = held.get(id);
      if (current && current.cron === schedule.cron && (current.timezone ?? 'UTC') === schedule.timezone)
        continue;
      await this.queue.hold(pipelineId, schedule, kind);
      if (current) result.replaced += 1;
      else result.added += 1;
    }
    for (const [id, { kind, pipelineId }] of held) {
      if (wanted.has(id)) continue;
      await this.queue.release(pipelineId, kind);
      result.removed += 1;
    }
    return result;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const result = await this.resync();
      if (result.added + result.replaced + result.removed > 0)
        this.logger.log(
          `schedules resynced from Postgres: ${result.added} added, ${result.replaced} replaced, ${result.removed} removed`,
        );
      this.schedule(this.config.scheduleResyncMs);
    } catch (error) {
      this.logger.warn(
        `could not resync the schedules (retrying in ${RETRY_MS / 1000} s): ${message(error)}`,
      );
      this.schedule(RETRY_MS);
    }
  }
}

/** The pipeline's monitoring settings, with the defaults for what its row leaves out. */
function monitoringOf(pipeline: Pick<PipelineEntity, 'monitoring'>) {
  const parsed = monitoringConfigSchema.safeParse(pipeline.monitoring ?? {});
  return parsed.success ? parsed.data : { schedule: null };
}

/** Each kind of schedule the pipeline has and whether BullMQ should hold it (null: it should not). */
function wantedOf(
  pipeline: Pick<PipelineEntity, 'enabled' | 'schedule' | 'monitoring'>,
): [ScheduleKind, Schedule | null][] {
  const on = pipeline.enabled;
  return [
    ['pipeline', on ? pipeline.schedule : null],
    ['monitor', on ? monitoringOf(pipeline).schedule : null],
  ];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
