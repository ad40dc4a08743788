import { type PipelineEntity, PipelineStore, PipelineTriggers, type PipelineVersionEntity } from '@ct/db';
import { LogThrottle } from '@ct/shared/runtime';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { countableSource, SourceRowCounter } from './source-row-counter.js';
import { TriggerFirings } from './trigger-firings.js';

// How often the poller looks for pipelines whose poll is due; each has its own pollSeconds (10 s or more).
const LOOK_EVERY_MS = 2_000;
const ERROR_LOG_EVERY_MS = 60_000;

/**
 * The new-data triggers that poll their source (a `postgres` query, or a `csv` file by its mtime): every
 * `pollSeconds`, counts the source's rows whose time column is after the previous count (or the latest run's high-water mark, whichever is later), records
 * them as an arrival and fires the trigger if the rows since the last run reach its threshold. Every API
 * process polls; one count per window is kept (`PipelineStore.recordPoll`).
 */
@Injectable()
export class NewDataPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('NewDataPoller');
  private readonly inFlight = new Set<string>();
  private readonly errorLog = new LogThrottle(ERROR_LOG_EVERY_MS);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pipelines: PipelineStore,
    private readonly triggers: PipelineTriggers,
    private readonly counter: SourceRowCounter,
    private readonly firings: TriggerFirings,
  ) {}

  private looking: Promise<void> | null = null;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.looking) return;
      this.looking = this.look().finally(() => {
        this.looking = null;
      });
    }, LOOK_EVERY_MS);
    this.timer.unref();
  }

  /** Lets a poll under way finish (its count is kept or dropped whole), so the database closes after it. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.looking;
  }

  /** Polls every pipeline whose poll is due now; resolves when they are done. */
  async look(now = new Date()): Promise<void> {
    let due: PipelineEntity[];
    try {
      due = (await this.pipelines.polled()).filter((pipeline) => isDue(pipeline, now));
    } catch (error) {
      this.warn('all', `could not list the pipelines to poll: ${message(error)}`);
      return;
    }
    await Promise.all(
      due.filter((pipeline) => !this.inFlight.has(pipeline.id)).map((pipeline) => this.poll(pipeline, now)),
    );
  }

  private async poll(pipeline: PipelineEntity, now: Date): Promise<void> {
    this.inFlight.add(pipeline.id);
    try {
      const version: PipelineVersionEntity | null = await this.pipelines.version(
        pipeline.id,
        pipeline.latestVersion,
      );
      const source = version ? countableSource(version.spec) : null;
      if (!source)
        throw new Error('the latest version has no postgres or csv source with a time_column to count');
      const { highWaterMark } = await this.triggers.newData(pipeline.id);
      const from = later(pipeline.polledUntil, highWaterMark);
      const rows = await this.counter.count(source, from, now);
      const label = `poll:${source.kind}`;
      if (!(await this.pipelines.recordPoll(pipeline.id, pipeline.polledUntil, now, rows, label))) return;
      this.errorLog.reset(pipeline.id);
      if (rows === 0) return;
      await this.firings.checkNewData(
        pipeline,
        {
          source: label,
          polledRows: rows,
          polledFrom: from?.toISOString() ?? null,
          polledUntil: now.toISOString(),
        },
        now,
      );
    } catch (error) {
      this.warn(
        pipeline.id,
        `polling the source of pipeline ${pipeline.team}/${pipeline.name} failed: ${message(error)}`,
      );
      await this.pipelines.recordPollError(pipeline.id, message(error)).catch(() => undefined);
    } finally {
      this.inFlight.delete(pipeline.id);
    }
  }

  private warn(key: string, text: string): void {
    if (this.errorLog.allow(key)) this.logger.warn(text);
  }
}

function isDue(pipeline: PipelineEntity, now: Date): boolean {
  const every = (pipeline.triggers.newData?.pollSeconds ?? 0) * 1000;
  if (every <= 0) return false;
  return pipeline.polledUntil === null || now.getTime() - pipeline.polledUntil.getTime() >= every;
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
