import type { JobEntity } from '@ct/db';
import type { QueueJob, QueueJobState } from '@ct/shared';
import type { QueueJobRecord } from './queue-monitor.js';

/** A BullMQ job and, when Postgres has it, its row: as `GET /v1/queues/:name/jobs` shows it. */
export function toQueueJobDto(
  record: QueueJobRecord,
  state: QueueJobState,
  row: JobEntity | undefined,
): QueueJob {
  return {
    id: record.id,
    name: record.name,
    team: record.team ?? row?.team ?? null,
    pipeline: row?.pipeline ?? null,
    jobState: row?.state ?? null,
    queueState: state,
    priority: record.priority,
    attemptsMade: record.attemptsMade,
    addedAt: new Date(record.addedAt).toISOString(),
    processedAt: iso(record.processedAt),
    finishedAt: iso(record.finishedAt),
    failedReason: record.failedReason,
  };
}

function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
