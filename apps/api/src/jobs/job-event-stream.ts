import type { EventStore, JobStore } from '@ct/db';
import { isFinished, type JobState, jobEventsChannel } from '@ct/shared';
import type { Response } from 'express';
import type { ChannelSubscriber } from '../redis/channel-subscriber.js';
import { SSE_KEEP_ALIVE, SSE_RETRY, sseEvent } from './sse-format.js';
import { Wakeup } from './wakeup.js';

export const STREAM_TIMING = {
  /** Look for new events at least this often, in case a Redis wake-up is lost. */
  pollMs: 1_000,
  keepAliveMs: 15_000,
  /** A worker may store a final state before its event: how long to wait for that event. */
  finishGraceMs: 3_000,
};

const BATCH = 200;

interface StreamSources {
  events: EventStore;
  jobs: JobStore;
  subscriber: ChannelSubscriber;
}

/**
 * One client's stream of a job's events: the stored events after `afterId`, then new ones as they are
 * stored, until the job is finished and its events were sent, the client leaves, or `stop()`.
 */
export class JobEventStream {
  private closed = false;
  private lastState: JobState | undefined;
  private readonly wakeup = new Wakeup();

  constructor(
    private readonly jobId: string,
    private afterId: string,
    private readonly res: Response,
    private readonly sources: StreamSources,
  ) {}

  async run(): Promise<void> {
    this.res.on('close', () => this.stop());
    // The client may have left while the job was being looked up: 'close' has been and gone.
    if (!this.res.socket || this.res.socket.destroyed) this.stop();
    const unsubscribe = this.sources.subscriber.subscribe(jobEventsChannel(this.jobId), () =>
      this.wakeup.notify(),
    );
    const keepAlive = setInterval(() => this.write(SSE_KEEP_ALIVE), STREAM_TIMING.keepAliveMs);
    try {
      this.res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      this.write(SSE_RETRY);
      while (!this.closed && !(await this.sendAndCheckEnd())) await this.wakeup.wait(STREAM_TIMING.pollMs);
    } finally {
      clearInterval(keepAlive);
      unsubscribe();
      if (!this.res.writableEnded) this.res.end();
    }
  }

  stop(): void {
    this.closed = true;
    this.wakeup.notify();
  }

  /** Sends what is new; true once nothing more will come. */
  private async sendAndCheckEnd(): Promise<boolean> {
    await this.sendNewEvents();
    const job = await this.sources.jobs.get(this.jobId);
    if (!job) return true;
    if (!isFinished(job.state)) return false;
    // Events stored between the first read and the state check.
    await this.sendNewEvents();
    const finishedAt = (job.finishedAt ?? job.updatedAt).getTime();
    return this.lastState === job.state || Date.now() - finishedAt > STREAM_TIMING.finishGraceMs;
  }

  private async sendNewEvents(): Promise<void> {
    for (;;) {
      const batch = await this.sources.events.after(this.jobId, this.afterId, BATCH);
      for (const event of batch) {
        this.write(sseEvent(event));
        this.afterId = event.id;
        if (event.type === 'state') this.lastState = event.state;
      }
      if (batch.length < BATCH || this.closed) return;
    }
  }

  private write(chunk: string): void {
    if (!this.closed && !this.res.writableEnded) this.res.write(chunk);
  }
}
