// The floor of a submission: what storing and queueing a job costs without the API, on the same Postgres and
// Redis: one INSERT of a job row (the columns the API writes) and one BullMQ `Queue.add` with the options the
// API gives, through a pool of as many connections as the API's (TypeORM's default, 10).
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const POSTGRES_POOL = 10;

/** The body of a `POST /v1/jobs` that the benchmarks send: a small training job. */
export function submissionBody(pipeline) {
  return {
    spec: {
      pipeline,
      task: 'regression',
      data: { source: 'sklearn', name: 'diabetes' },
      model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 0.5 } },
    },
  };
}

/**
 * A floor on `databaseUrl` and `redisUrl` under the BullMQ `prefix`, for jobs of `team`; `add()` stores and
 * queues one job; `close()` ends its connections. Its jobs go to the training queue, as the API's do.
 */
export async function submissionFloor({ apiMain, databaseUrl, redisUrl, prefix, team }) {
  const { QueueName, trainingJobOptions, submitJobSchema } = await import(
    '../../packages/shared/dist/index.js'
  );
  const require = createRequire(apiMain);
  const pg = require('pg');
  const { Queue } = require('bullmq');
  const { Redis } = require('ioredis');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POSTGRES_POOL });
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Training, { connection, prefix });
  // The submission as the API parses it: the same defaults (priority, timeout, attempts).
  const parsed = submitJobSchema.parse(submissionBody('bench-floor'));
  const spec = JSON.stringify(parsed.spec);
  const { priority, timeoutSeconds, maxAttempts } = parsed;
  return {
    add: async () => {
      const job = { id: randomUUID(), team, priority, timeoutSeconds, maxAttempts };
      await pool.query(
        `INSERT INTO jobs (id, team, submitted_by, pipeline, state, trigger, spec, params, priority,
                           timeout_seconds, max_attempts, idempotency_key, tags, kind, task, pipeline_id,
                           pipeline_version)
         VALUES ($1, $2, NULL, 'bench-floor', 'queued', 'manual', $3, '{}', $4, $5, $6, NULL, '{}', 'train',
                 NULL, NULL, NULL)`,
        [job.id, team, spec, job.priority, job.timeoutSeconds, job.maxAttempts],
      );
      await queue.add('train', { jobId: job.id, team }, trainingJobOptions(job));
    },
    close: async () => {
      await queue.close();
      await connection.quit();
      await pool.end();
    },
  };
}
