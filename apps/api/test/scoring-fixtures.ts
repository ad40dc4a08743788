import type { JobEntity } from '@ct/db';
import { type JobTask, submitJobSchema } from '@ct/shared';
import { submission, type TestApi } from './harness.js';

/** A score task of inline rows, as `POST /v1/pipelines/:id/scores` stores it. */
export function scoreTask(rows: Record<string, number | string>[] = [{ id: 'r1', x: 1 }]): JobTask {
  return { kind: 'score', model: 'champion', source: null, since: null, until: null, rows, keyColumn: 'id' };
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
