import type { JobEvent, JobEventBody } from '@ct/shared';
import type { DataSource, EntityManager } from 'typeorm';
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
    return appendEvent(this.dataSource.manager, jobId, attempt, event);
  }

  /**
   * Appends an event of a running attempt, only while that attempt is the job's current one and the job
   * runs; null when the attempt is stale (its event is refused).
   */
  async appendFenced(jobId: string, attempt: number, event: JobEventBody): Promise<StoredJobEvent | null> {
    const { type, ...data } = event;
    const rows: JobEventEntity[] = await this.dataSource.query(
      `INSERT INTO job_events (job_id, attempt, type, data)
       SELECT $1, $2, $3, $4 FROM jobs WHERE id = $1 AND attempts = $2 AND state = 'running'
       RETURNING id, job_id AS "jobId", attempt, type, data, created_at AS "createdAt"`,
      [jobId, attempt, type, JSON.stringify(data)],
    );
    const row = rows[0];
    return row === undefined ? null : toEvent({ ...row, createdAt: new Date(row.createdAt) });
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

/** Appends an event in `manager`'s transaction (or none). */
export async function appendEvent(
  manager: EntityManager,
  jobId: string,
  attempt: number,
  event: JobEventBody,
): Promise<StoredJobEvent> {
  const { type, ...data } = event;
  const events = manager.getRepository(JobEventEntity);
  return toEvent(await events.save(events.create({ jobId, attempt, type, data })));
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
