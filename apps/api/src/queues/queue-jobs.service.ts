import { JobStore } from '@ct/db';
import type { ListQueueJobsQuery, QueueJobPage } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { type Principal, teamScope } from '../auth/principal.js';
import type { JobQueueName } from './job-queues.js';
import { decodeQueueCursor, encodeQueueCursor } from './queue-cursor.js';
import { toQueueJobDto } from './queue-jobs.mapper.js';
import { type QueueJobRecord, QueueMonitor } from './queue-monitor.js';
import { knownQueue } from './queue-names.js';

const CHUNK = 200;
// A team's jobs may be sparse in a long list: one request reads this many at most, then hands back a cursor.
const MAX_SCANNED = 5_000;

/** `GET /v1/queues/:name/jobs`: BullMQ's jobs in a state, only the caller's team's unless it is an admin. */
@Injectable()
export class QueueJobsService {
  constructor(
    private readonly monitor: QueueMonitor,
    private readonly jobs: JobStore,
  ) {}

  async list(principal: Principal, name: string, query: ListQueueJobsQuery): Promise<QueueJobPage> {
    const queue = knownQueue(name);
    const team = teamScope(principal);
    const start = query.cursor === undefined ? 0 : decodeQueueCursor(query.cursor, query.state);
    const visible = (job: QueueJobRecord) => team === null || job.team === team;
    const { items, next } = await this.scan(queue, query, start, visible);
    const rows = new Map((await this.jobs.getMany(items.map((job) => job.id))).map((row) => [row.id, row]));
    return {
      items: items.map((job) => toQueueJobDto(job, query.state, rows.get(job.id))),
      nextCursor: next === null ? null : encodeQueueCursor(query.state, next),
    };
  }

  /** Up to `limit` visible jobs from `start`, and the list position to go on from (null at the end). */
  private async scan(
    name: JobQueueName,
    query: ListQueueJobsQuery,
    start: number,
    visible: (job: QueueJobRecord) => boolean,
  ): Promise<{ items: QueueJobRecord[]; next: number | null }> {
    const items: QueueJobRecord[] = [];
    let offset = start;
    while (offset - start < MAX_SCANNED) {
      const chunk = await this.monitor.jobs(name, query.state, offset, offset + CHUNK - 1);
      for (const [index, job] of chunk.entries()) {
        if (job === null || !visible(job)) continue;
        if (items.length === query.limit) return { items, next: offset + index };
        items.push(job);
      }
      if (chunk.length < CHUNK) return { items, next: null };
      offset += CHUNK;
    }
    return { items, next: offset };
  }
}
