import { Injectable } from '@nestjs/common';
import type { RunningPipeline } from '../process/pipeline-launcher.js';
import type { StopCause } from './training-outcome.js';

/** The handle to stop one job this worker runs, before or after its process started. */
export class JobControl {
  private pipeline: RunningPipeline | null = null;
  private cause: StopCause | null = null;

  get stopCause(): StopCause | null {
    return this.cause;
  }

  /** The first stop wins; returns whether this call stopped the job. */
  stop(cause: StopCause): boolean {
    if (this.cause !== null) return false;
    this.cause = cause;
    this.pipeline?.cancel();
    return true;
  }

  attach(pipeline: RunningPipeline): void {
    this.pipeline = pipeline;
    if (this.cause !== null) pipeline.cancel();
  }
}

/** The jobs this worker process runs right now, by job id: where cancels and shutdown find them. */
@Injectable()
export class RunningJobs {
  private readonly jobs = new Map<string, JobControl>();
  private readonly listeners: Array<() => void> = [];

  register(jobId: string): JobControl {
    const control = new JobControl();
    this.jobs.set(jobId, control);
    this.changed();
    return control;
  }

  unregister(jobId: string, control: JobControl): void {
    if (this.jobs.get(jobId) !== control) return;
    this.jobs.delete(jobId);
    this.changed();
  }

  /** Calls `listener` whenever a job starts or ends here (the heartbeat publishes at once). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  stop(jobId: string, cause: StopCause): boolean {
    return this.jobs.get(jobId)?.stop(cause) ?? false;
  }

  stopAll(cause: StopCause): string[] {
    return [...this.jobs].filter(([, control]) => control.stop(cause)).map(([jobId]) => jobId);
  }

  get size(): number {
    return this.jobs.size;
  }

  /** The ids of the jobs running now (the worker's heartbeat publishes them). */
  get ids(): string[] {
    return [...this.jobs.keys()];
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
