import type { JobStore, LogStore } from '@ct/db';
import type { JobEventBody, PipelineEvent, PipelineStep } from '@ct/shared';
import type { Logger } from '@nestjs/common';
import { describeError } from '../errors/infrastructure-error.js';
import type { OutputStream } from '../process/pipeline-launcher.js';
import { withTimeout } from '../redis/with-timeout.js';
import type { AttemptAudit } from './attempt-audit.js';
import { durableWrite } from './durable-write.js';
import { toJobEventBody } from './event-mapping.js';
import type { JobEventRecorder } from './job-event-recorder.js';
import { LogBatcher } from './log-batcher.js';

export interface RecorderDeps {
  events: JobEventRecorder;
  /** The attempt's audit trail, which takes the pipeline's steps and findings as they arrive. */
  audit: AttemptAudit;
  jobs: JobStore;
  logs: LogStore;
  logger: Logger;
  /** BullMQ's job progress (best effort). */
  reportProgress(progress: { step: PipelineStep; fraction: number }): Promise<void>;
}

const PROGRESS_WRITE_EVERY_MS = 500;
const QUEUE_PROGRESS_TIMEOUT_MS = 2_000;
const STDERR_TAIL_CHARS = 2_000;

/**
 * Records what one attempt reports while it runs: events (audited, stored in order, then announced),
 * progress (BullMQ at once, Postgres at most twice a second), output and the worker's own `system` lines.
 * Callbacks from the child never throw; a write is tried again while Postgres is away (in order: the next
 * waits), and one that still failed is counted and reported by `flush`.
 */
export class AttemptRecorder {
  /** The payload of the pipeline's `result` event. */
  result: Record<string, unknown> | null = null;
  private stderr = '';
  private writes: Promise<void> = Promise.resolve();
  private failures = 0;
  private firstFailure = '';
  private refused = 0;
  private progressInFlight = false;
  private failingSince: number | null = null;
  private readonly logBatcher: LogBatcher;
  private progress: { step: PipelineStep; fraction: number } | null = null;
  private progressTimer: NodeJS.Timeout | undefined;
  private lastProgressWrite = 0;

  constructor(
    private readonly deps: RecorderDeps,
    private readonly jobId: string,
    private readonly attempt: number,
    /** How long a write is tried again while Postgres is away (the attempt's lease: it is lost after). */
    private readonly retryForMs: number,
  ) {
    this.logBatcher = new LogBatcher(
      async (stream, text) => {
        const appended = await this.durably(() => deps.logs.append(jobId, attempt, stream, text));
        if (appended === 'stale') this.refused += 1;
        // Past the cap, or refused: either way, later output of this attempt is not stored.
        return appended === 'stored';
      },
      (error) => this.failed('a log write', error),
    );
  }

  get stderrTail(): string {
    return this.stderr;
  }

  pipelineEvent(event: PipelineEvent): void {
    this.deps.audit.pipelineEvent(event);
    if (event.type === 'result') {
      this.result = event.payload;
      return;
    }
    const body = toJobEventBody(event);
    if (body) this.enqueue('an event', () => this.recordEvent(body));
    if (event.type === 'progress') this.reportProgress(event.step, event.fraction);
    if (event.type === 'step.started') {
      this.reportProgress(event.step, 0);
      this.system(`step ${event.step} started`);
    }
    if (event.type === 'step.finished') {
      const reason = event.reason ? `: ${event.reason}` : '';
      this.system(`step ${event.step} finished ${event.status} in ${event.duration_ms} ms${reason}`);
    }
    // What the pipeline says (the project environment it built, the model it took...) is read in the log too.
    if (body?.type === 'log' && body.level !== 'debug') {
      this.system(`${body.level === 'info' ? '' : `${body.level}: `}${body.message}`);
    }
  }

  output(stream: OutputStream, text: string): void {
    this.logBatcher.add(stream, text);
    if (stream === 'stderr') this.stderr = (this.stderr + text).slice(-STDERR_TAIL_CHARS);
  }

  warning(message: string): void {
    this.deps.logger.warn(message);
    this.logBatcher.add('system', line(`warning: ${message}`));
    const body = { type: 'log', level: 'warning', message } as const;
    this.enqueue('an event', () => this.recordEvent(body));
  }

  /** A line of the worker's own in the job's log (and the worker's log). */
  system(message: string): void {
    this.deps.logger.log(message);
    this.logBatcher.add('system', line(message));
  }

  /** Waits for every write so far; reports writes that failed. */
  async flush(): Promise<void> {
    this.writeProgress();
    await this.logBatcher.flush();
    await this.writes;
    if (this.refused > 0) {
      this.deps.logger.warn(
        `${this.refused} writes of attempt ${this.attempt} were refused: it is no longer the job's running attempt`,
      );
      this.refused = 0;
    }
    if (this.failures > 0) {
      this.deps.logger.error(
        `${this.failures} writes for attempt ${this.attempt} failed; first: ${this.firstFailure}`,
      );
      this.failures = 0;
    }
  }

  private reportProgress(step: PipelineStep, fraction: number): void {
    this.reportToQueue(step, fraction);
    this.progress = { step, fraction };
    const wait = Math.max(0, this.lastProgressWrite + PROGRESS_WRITE_EVERY_MS - Date.now());
    this.progressTimer ??= setTimeout(() => this.writeProgress(), wait);
  }

  private writeProgress(): void {
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    const progress = this.progress;
    if (progress === null) return;
    this.progress = null;
    this.lastProgressWrite = Date.now();
    this.enqueue('a progress write', async () => {
      const patch = { progressStep: progress.step, progressFraction: progress.fraction };
      if (!(await this.deps.jobs.patchAttempt(this.jobId, this.attempt, patch))) this.refused += 1;
    });
  }

  /**
   * BullMQ's progress, off the chain of Postgres writes and bounded in time: with Redis away or paused it
   * would never settle and hold up every event, the end of the job and shutdown. One update at a time;
   * those that come meanwhile are dropped (Postgres keeps the progress).
   */
  private reportToQueue(step: PipelineStep, fraction: number): void {
    if (this.progressInFlight) return;
    this.progressInFlight = true;
    withTimeout(
      this.deps.reportProgress({ step, fraction }),
      QUEUE_PROGRESS_TIMEOUT_MS,
      'a BullMQ progress update',
    )
      .catch((error: unknown) => this.failed('a BullMQ progress update', error))
      .finally(() => {
        this.progressInFlight = false;
      });
  }

  private async recordEvent(body: JobEventBody): Promise<void> {
    if (!(await this.deps.events.record(this.jobId, this.attempt, body))) this.refused += 1;
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.writes = this.writes
      .then(() => this.durably(write))
      .then(
        () => undefined,
        (error: unknown) => this.failed(what, error),
      );
  }

  /**
   * The write, tried again while Postgres is away; the outage's time is shared by all writes: once it has
   * lasted `retryForMs`, later writes fail at once instead of each waiting it out again.
   */
  private async durably<T>(write: () => Promise<T>): Promise<T> {
    const since = this.failingSince ?? Date.now();
    try {
      const written = await durableWrite(write, Math.max(0, since + this.retryForMs - Date.now()));
      this.failingSince = null;
      return written;
    } catch (error) {
      this.failingSince ??= since;
      throw error;
    }
  }

  private failed(what: string, error: unknown): void {
    if (this.failures++ === 0) this.firstFailure = `${what}: ${describeError(error)}`;
  }
}

function line(message: string): string {
  return `[ct ${new Date().toISOString()}] ${message}\n`;
}
