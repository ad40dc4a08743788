import type { JobEvent, JobEventBody } from '@ct/shared';
import type { DataSource } from 'typeorm';
import { JobEventEntity } from '../entities/job-event.entity.js';

/** An event as stored: the shared event shape plus its ordering id. */
export type StoredJobEvent = JobEvent & { id: string };

/** A job's event log in Postgres: the SSE stream replays it from any id. */
export class EventStore {
  constructor(private readonly dataSource: DataSource) {}

  private get events() {
    return this.dataSource.getRepository(JobEventEntity);
  }

  async append(jobId: string, attempt: number, event: JobEventBody): Promise<StoredJobEvent> {
    const { type, ...data } = event;
    const row = await this.events.save(this.events.create({ jobId, attempt, type, data }));
    return toEvent(row);
  }

  /** Events after `afterId` (exclusive), oldest first. */
  async after(jobId: string, afterId = '0', limit = 500): Promise<StoredJobEvent[]> {
    const rows = await this.events
      .createQueryBuilder('event')
      .where('event.job_id = :jobId AND event.id > :afterId', { jobId, afterId })
      .orderBy('event.id', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map(toEvent);
  }
}

function toEvent(row: JobEventEntity): StoredJobEvent {
  return {
    ...row.data,
    id: row.id,
    type: row.type,
    jobId: row.jobId,
    attempt: row.attempt,
    at: row.createdAt.toISOString(),
  } as StoredJobEvent;
}
