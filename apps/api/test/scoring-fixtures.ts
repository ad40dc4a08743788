import { type JobEntity, PredictionEntity } from '@ct/db';
import { type JobTask, type QueueName, submitJobSchema } from '@ct/shared';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../src/database/database.module.js';
import { submission, type TestApi } from './harness.js';

/** A score task of inline rows, as `POST /v1/pipelines/:id/scores` stores it. */
export function scoreTask(rows: Record<string, number | string>[] = [{ id: 'r1', x: 1 }]): JobTask {
  return {
    kind: 'score',
    model: 'champion',
    source: null,
    since: null,
    until: null,
    rows,
    keyColumn: 'id',
    mirrorToIris: false,
  };
}

/**
 * A queued score job of `team`, stored and added to its queue (ct-scoring) as the API does, without a
 * registered pipeline or a model in MLflow: for the tests of what every job kind shares.
 */
export async function queuedScoreJob(api: TestApi, team: string, pipeline = 'scored'): Promise<JobEntity> {
  const { job } = await api.jobs.create(team, {
    ...submitJobSchema.parse(submission({}, pipeline)),
    kind: 'score',
    task: scoreTask(),
  });
  await api.queue.add(job);
  return job;
}

/** A stored prediction as a scoring job (or `jobId: null`, an outside system) leaves it. */
export type StoredPrediction = Partial<Omit<PredictionEntity, 'id' | 'pipelineRow'>> &
  Pick<PredictionEntity, 'rowKey' | 'prediction'>;

/**
 * Inserts predictions of the pipeline directly, as the worker does after a scoring job: these tests need
 * stored predictions without running a model.
 */
export async function insertPredictions(
  api: TestApi,
  pipeline: { id: string; team: string },
  rows: StoredPrediction[],
): Promise<PredictionEntity[]> {
  const repository = api.app.get<DataSource>(DATA_SOURCE).getRepository(PredictionEntity);
  const saved = await repository.save(
    rows.map((row) =>
      repository.create({
        team: pipeline.team,
        pipelineId: pipeline.id,
        jobId: null,
        modelVersion: '1',
        runId: 'run-1',
        features: { x: 1 },
        featuresHash: 'hash',
        probabilities: null,
        scoredAt: new Date(),
        inferenceUs: 12.5,
        outcome: null,
        observedAt: null,
        ...row,
      }),
    ),
  );
  return saved;
}

/** A BullMQ queue of a test API's prefix, seen from outside the API, closed with its connection. */
export async function withQueue<T>(
  api: TestApi,
  name: QueueName,
  use: (queue: Queue) => Promise<T>,
): Promise<T> {
  const connection = new Redis(api.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix: api.config.bullmqPrefix });
  try {
    return await use(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
