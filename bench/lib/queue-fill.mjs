// Many waiting jobs, quickly: what `POST /v1/jobs` leaves behind (a queued row, its first `state` event, a
// BullMQ job with the same id and the API's options), written in bulk: multi-row INSERTs from arrays and
// BullMQ's addBulk, a chunk at a time.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { submissionBody } from './submission-floor.mjs';

const CHUNK = 5000;

/** Stores and queues `count` jobs of `team` on `databaseUrl` and `redisUrl` under `prefix`. */
export async function fillQueue({ apiMain, databaseUrl, redisUrl, prefix, team, count, pipeline }) {
  const { QueueName, trainingJobOptions, submitJobSchema } = await import(
    '../../packages/shared/dist/index.js'
  );
  const require = createRequire(apiMain);
  const pg = require('pg');
  const { Queue } = require('bullmq');
  const { Redis } = require('ioredis');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Training, { connection, prefix });
  const parsed = submitJobSchema.parse(submissionBody(pipeline));
  const { priority, timeoutSeconds, maxAttempts } = parsed;
  const event = JSON.stringify({ state: 'queued', failureReason: null, message: 'submitted' });
  try {
    for (let done = 0; done < count; done += CHUNK) {
      const ids = Array.from({ length: Math.min(CHUNK, count - done) }, () => randomUUID());
      await client.query('BEGIN');
      // created_at apart by a millisecond each, as jobs submitted one after another are.
      await client.query(
        `INSERT INTO jobs (id, team, pipeline, state, trigger, spec, params, priority, timeout_seconds,
                           max_attempts, tags, kind, created_at)
         SELECT id, $2, $3, 'queued', 'manual', $4::jsonb, '{}', $5, $6, $7, '{}', 'train',
                now() - make_interval(secs => ($8 - ord) / 1000.0)
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)`,
        [
          ids,
          team,
          pipeline,
          JSON.stringify(parsed.spec),
          priority,
          timeoutSeconds,
          maxAttempts,
          count - done,
        ],
      );
      await client.query(
        `INSERT INTO job_events (job_id, attempt, type, data)
         SELECT id, 0, 'state', $2::jsonb FROM unnest($1::uuid[]) AS t(id)`,
        [ids, event],
      );
      await client.query('COMMIT');
      await queue.addBulk(
        ids.map((id) => ({
          name: 'train',
          data: { jobId: id, team },
          opts: trainingJobOptions({ id, priority, maxAttempts }),
        })),
      );
    }
    // As autovacuum leaves the tables soon after: measured right after the bulk insert, the rounds raced its
    // run over 100,000 new rows.
    await client.query('VACUUM (ANALYZE) jobs, job_events');
  } finally {
    await queue.close();
    await connection.quit();
    await client.end();
  }
}
