import type { JobStore, LogStore } from '@ct/db';
import type { PipelineStep } from '@ct/shared';
import type { Logger } from '@nestjs/common';
import { describeError } from '../errors/infrastructure-error.js';
import type { PipelineEvent } from '../process/pipeline-event.js';
import type { OutputStream } from '../process/pipeline-launcher.js';
import type { AttemptAudit } from './attempt-audit.js';
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
  /** BullMQ's job progress. */
  reportProgress(progress: { step: PipelineStep; fraction: number }): Promise<void>;
}

const PROGRESS_WRITE_EVERY_MS = 500;
const STDERR_TAIL_CHARS = 2_000;

/**
 * Records what one attempt reports while it runs: events (audited, stored in order, then announced),
 * progress (BullMQ at once, Postgres at most twice a second), output and the worker's own `system` lines.
 * Callbacks from the child never throw; a failed write is counted and reported by `flush`.
 */
export class AttemptRecorder {
  /** The payload of the pipeline's `result` event. */
  result: Record<string, unknown> | null = null;
  private stderr = '';
  private writes: Promise<void> = Promise.resolve();
  private failures = 0;
  private firstFailure = '';
  private readonly logBatcher: LogBatcher;
  private progress: { step: PipelineStep; fraction: number } | null = null;
  private progressTimer: NodeJS.Timeout | undefined;
  private lastProgressWrite = 0;

  constructor(
    private readonly deps: RecorderDeps,
    private readonly jobId: string,
    private readonly attempt: number,
  ) {
    this.logBatcher = new LogBatcher(
      (stream, text) => deps.logs.append(jobId, attempt, stream, text),
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
    if (body) this.enqueue('an event', () => this.deps.events.record(this.jobId, this.attempt, body));
    if (event.type === 'progress') this.reportProgress(event.step, event.fraction);
    if (event.type === 'step.started') {
      this.reportProgress(event.step, 0);
      this.system(`step ${event.step} started`);
    }
    if (event.type === 'step.finished') {
      const reason = event.reason ? `: ${event.reason}` : '';
      this.system(`step ${event.step} finished ${event.status} in ${event.duration_ms} ms${reason}`);
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
    this.enqueue('an event', () => this.deps.events.record(this.jobId, this.attempt, body));
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
    if (this.failures > 0) {
      this.deps.logger.error(
        `${this.failures} writes for attempt ${this.attempt} failed; first: ${this.firstFailure}`,
      );
      this.failures = 0;
    }
  }

  private reportProgress(step: PipelineStep, fraction: number): void {
    this.enqueue('a BullMQ progress update', () => this.deps.reportProgress({ step, fraction }));
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
    this.enqueue('a progress write', () =>
      this.deps.jobs.patch(this.jobId, { progressStep: progress.step, progressFraction: progress.fraction }),
    );
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.writes = this.writes.then(write).then(
      () => undefined,
      (error: unknown) => this.failed(what, error),
    );
  }

  private failed(what: string, error: unknown): void {
    if (this.failures++ === 0) this.firstFailure = `${what}: ${describeError(error)}`;
  }
}

function line(message: string): string {
  return `[ct ${new Date().toISOString()}] ${message}\n`;
}
