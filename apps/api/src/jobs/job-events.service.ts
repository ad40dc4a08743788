import { EventStore, JobStore } from '@ct/db';
import { eventIdSchema } from '@ct/shared';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { ChannelSubscriber } from '../redis/channel-subscriber.js';
import { JobEventStream } from './job-event-stream.js';
import { JobQueriesService } from './job-queries.service.js';

/** `GET /v1/jobs/:id/events`: Server-Sent Events, resumable with `Last-Event-ID` or `?after=`. */
@Injectable()
export class JobEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(JobEventsService.name);
  private readonly streams = new Map<JobEventStream, Promise<void>>();

  constructor(
    private readonly events: EventStore,
    private readonly jobs: JobStore,
    private readonly subscriber: ChannelSubscriber,
    private readonly queries: JobQueriesService,
  ) {}

  /** Errors before the stream starts (unknown job, bad event id) are answered as usual. */
  async stream(
    principal: Principal,
    id: string,
    after: string | undefined,
    lastEventId: string | undefined,
    res: Response,
  ): Promise<void> {
    await this.queries.visibleRow(principal, id);
    const stream = new JobEventStream(id, startAfter(after, lastEventId), res, {
      events: this.events,
      jobs: this.jobs,
      subscriber: this.subscriber,
    });
    const running = this.follow(id, stream);
    this.streams.set(stream, running);
    await running;
  }

  /** Ends every open stream (clients reconnect to another instance with Last-Event-ID). */
  async onModuleDestroy(): Promise<void> {
    for (const stream of this.streams.keys()) stream.stop();
    await Promise.all(this.streams.values());
  }

  private async follow(id: string, stream: JobEventStream): Promise<void> {
    try {
      await stream.run();
    } catch (error) {
      // The status line is sent: ending the stream is all that is left; the client resumes from its last id.
      this.logger.warn(`event stream of job ${id} ended early: ${(error as Error).message}`);
    } finally {
      this.streams.delete(stream);
    }
  }
}

/** The header wins over `?after=`, as browsers send it when they reconnect. */
function startAfter(after: string | undefined, lastEventId: string | undefined): string {
  if (lastEventId === undefined) return after ?? '0';
  const parsed = eventIdSchema.safeParse(lastEventId.trim());
  if (!parsed.success)
    throw ApiError.validation([{ path: 'Last-Event-ID', message: 'must be an event id (a whole number)' }]);
  return parsed.data;
}
