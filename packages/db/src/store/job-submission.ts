import { randomUUID } from 'node:crypto';
import type { JobEventBody, SubmitJob } from '@ct/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { durableFlushOf } from './durable-flush.js';
import { hydrate } from './hydrate.js';
import { LOCK_TEAM_LOAD_SQL, type TeamLoad, type TeamQuota, teamLoadOf } from './team-quota.js';

/** A submission as stored: a training job, or a score or monitor job of a registered pipeline. */
export type JobSubmission = SubmitJob &
  Partial<Pick<JobEntity, 'kind' | 'task' | 'pipelineId' | 'pipelineVersion'>>;

/** A job row to store, as its columns (the caller fills every one: no column is left to chance). */
export type NewJobRow = Pick<
  JobEntity,
  | 'id'
  | 'team'
  | 'submittedBy'
  | 'pipeline'
  | 'state'
  | 'trigger'
  | 'spec'
  | 'params'
  | 'priority'
  | 'timeoutSeconds'
  | 'maxAttempts'
  | 'idempotencyKey'
  | 'tags'
  | 'kind'
  | 'task'
  | 'pipelineId'
  | 'pipelineVersion'
>;

/** A submitted job's first event: it is created queued rather than moved there. */
export const FIRST_EVENT: JobEventBody = {
  type: 'state',
  state: 'queued',
  failureReason: null,
  message: 'submitted',
};

/** The columns of a new queued job. */
export function newJobRow(team: string, submission: JobSubmission, submittedBy: string | null): NewJobRow {
  return {
    id: randomUUID(),
    team,
    submittedBy,
    pipeline: submission.spec.pipeline,
    state: 'queued',
    trigger: submission.trigger,
    spec: submission.spec,
    params: submission.params ?? {},
    priority: submission.priority,
    timeoutSeconds: submission.timeoutSeconds,
    maxAttempts: submission.maxAttempts,
    idempotencyKey: submission.idempotencyKey ?? null,
    tags: submission.tags,
    kind: submission.kind ?? 'train',
    task: submission.task ?? null,
    pipelineId: submission.pipelineId ?? null,
    pipelineVersion: submission.pipelineVersion ?? null,
  };
}

/** What a submission within the quota became. */
export type QuotaSubmission =
  | { job: JobEntity; created: true }
  | { existingId: string }
  | { refused: TeamLoad }
  | { conflict: true };

/**
 * The columns a submission sends as JSON. They are not returned by the insert: Postgres would write each
 * jsonb back out as text and the API parse it again, for values it already holds.
 */
const SENT_AS_JSON: ReadonlySet<string> = new Set<keyof NewJobRow>(['spec', 'params', 'tags', 'task']);

// One statement, run on its own (its transaction commits as it ends, which releases the team's lock): the
// team's load counted under its lock, the job that already has the idempotency key, and the insert of the job
// and of its first event, unless either of those says no. The whole row comes back, so nothing is read again.
// A job with the key committed while the lock was awaited is not in 'existing' (the statement's snapshot is
// older than the lock) but stops the insert all the same (ON CONFLICT, on the unique index): 'conflict'.
// The statement commits asynchronously (synchronous_commit off for its transaction only): the team's lock is
// released as soon as the commit is in the WAL, not after the WAL is flushed to disk (~2 ms here), which had
// capped a team's submissions at one flush at a time. The job is made durable afterwards, by a flush
// that concurrent submissions share, before anyone is told of it.
const SUBMIT_SQL = `
WITH load AS MATERIALIZED (${LOCK_TEAM_LOAD_SQL} CROSS JOIN set_config('synchronous_commit', 'off', true)),
existing AS (SELECT id FROM jobs WHERE team = $1 AND idempotency_key = $2),
inserted AS (
  INSERT INTO jobs (team, idempotency_key, id, submitted_by, pipeline, state, trigger, spec, params, priority,
                    timeout_seconds, max_attempts, tags, kind, task, pipeline_id, pipeline_version)
  SELECT $1, $2, $3::uuid, $4::uuid, $5, $6, $7, $8::jsonb, $9::jsonb, $10::int, $11::int, $12::int,
         $13::jsonb, $14, $15::jsonb, $16::uuid, $17::int
  FROM load
  WHERE NOT EXISTS (SELECT 1 FROM existing) AND load.queued + load.running < $18::int
  ON CONFLICT DO NOTHING
  RETURNING $RETURNED
),
event AS (
  INSERT INTO job_events (job_id, attempt, type, data) SELECT id, attempts, 'state', $19::jsonb FROM inserted
)
SELECT inserted.*, load.queued AS "load:queued", load.running AS "load:running",
       (SELECT id FROM existing) AS "existing:id"
FROM load LEFT JOIN inserted ON true`;

const submitSql = new WeakMap<DataSource, string>();

/** SUBMIT_SQL returning every column of a job but those sent as JSON (named from the entity's metadata). */
function submitSqlOf(connection: DataSource): string {
  let sql = submitSql.get(connection);
  if (sql === undefined) {
    const returned = connection
      .getMetadata(JobEntity)
      .columns.filter((column) => !SENT_AS_JSON.has(column.propertyName))
      .map((column) => `"${column.databaseName}"`);
    sql = SUBMIT_SQL.replace('$RETURNED', returned.join(', '));
    submitSql.set(connection, sql);
  }
  return sql;
}

// A crash before the flush (durableFlushOf) loses only the end of the WAL: a submission that was lost took
// no place from a later one that survived, since that one committed after it. Nothing learns of the job
// before the flush: not the client, not BullMQ, and the reconciler only reads jobs older than a minimum age.

/**
 * Stores `row` with its first `state` event, within the team's quota, in one statement, then waits for it
 * to be on disk (a flush shared with concurrent submissions, outside the lock). Run it outside any
 * transaction, so that the team's lock is held only while Postgres runs the statement. A reused idempotency
 * key answers that job's id however full the team is; `conflict` when the insert met a job with the same
 * key that the statement could not see (committed while it waited for the lock).
 */
export async function insertWithinQuota(
  manager: EntityManager,
  row: NewJobRow,
  quota: TeamQuota,
  event: JobEventBody,
): Promise<QuotaSubmission> {
  // Inside a transaction, the asynchronous commit would be the caller's, and the flush would wait for nothing.
  if (manager.queryRunner?.isTransactionActive)
    throw new Error('insertWithinQuota runs its own statements: call it outside any transaction');
  const { type: _type, ...eventData } = event;
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  const [raw] = (await preparedQuery(manager, 'ct_submit_job', submitSqlOf(manager.connection), [
    row.team,
    row.idempotencyKey,
    row.id,
    row.submittedBy,
    row.pipeline,
    row.state,
    row.trigger,
    json(row.spec),
    json(row.params),
    row.priority,
    row.timeoutSeconds,
    row.maxAttempts,
    json(row.tags),
    row.kind,
    json(row.task),
    row.pipelineId,
    row.pipelineVersion,
    quota.maxRunning + quota.maxQueued,
    JSON.stringify(eventData),
  ])) as Record<string, unknown>[];
  if (!raw) throw new Error(`the submission statement for team ${row.team} returned no row`);
  const load = teamLoadOf(Number(raw['load:queued']), Number(raw['load:running']), quota);
  // A refusal tells of no job; every other answer names one, which must be on disk by then (an existing or
  // conflicting job may have been committed asynchronously by a submission still waiting for its flush).
  if (raw.id === null && load.full && raw['existing:id'] === null) return { refused: load };
  await durableFlushOf(manager.connection).wait();
  if (raw.id !== null) {
    const given = Object.fromEntries([...SENT_AS_JSON].map((name) => [name, row[name as keyof NewJobRow]]));
    return { job: hydrate(manager.connection, JobEntity, raw, given), created: true };
  }
  if (raw['existing:id'] !== null) return { existingId: String(raw['existing:id']) };
  return { conflict: true };
}

/** A named prepared statement (parsed and planned once per connection) on the data source's pool. */
async function preparedQuery(
  manager: EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<unknown[]> {
  const { master } = manager.connection.driver as unknown as { master: PreparingPool };
  return (await master.query({ name, text, values })).rows;
}

/** What the pg pool behind TypeORM's Postgres driver offers. */
interface PreparingPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}
