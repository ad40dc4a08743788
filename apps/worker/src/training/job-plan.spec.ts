import type { JobEntity } from '@ct/db';
import type { JobKind } from '@ct/shared';
import type { Database } from '../database/database.js';
import type { MlflowClient } from '../mlflow/mlflow-client.js';
import type { DegradationCheck } from '../monitoring/degradation-check.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import { MonitorPlan } from '../scoring/monitor-plan.js';
import { ScorePlan } from '../scoring/score-plan.js';
import { parseTask, scoringTaskProblem } from './job-plan.js';
import { JobPlans } from './job-plans.js';
import type { ProjectCache } from './project-cache.js';
import { TrainingPlan } from './training-plan.js';

const SCORE_TASK = {
  kind: 'score',
  model: 'champion',
  source: null,
  since: null,
  until: null,
  rows: [{ id: 1, x: 2 }],
  keyColumn: 'id',
};
const MONITOR_TASK = {
  kind: 'monitor',
  model: 'champion',
  windowStart: '2026-12-01T00:00:00.000Z',
  windowEnd: '2026-12-02T00:00:00.000Z',
};

function job(
  kind: JobKind,
  task: unknown,
  pipelineId: string | null = 'b9f5f0d4-3b61-4c57-9a8e-4f2d52f0c7a1',
) {
  return { id: 'j1', team: 'team-a', pipeline: 'points', kind, task, pipelineId } as unknown as JobEntity;
}

// The plans' steps need the worker's stores and clients; what is tested here needs none of them.
function plans(irisUrl: string | null) {
  return new JobPlans(
    new TrainingPlan({} as ProjectCache),
    new ScorePlan({} as Database, {} as WorkerMetrics, { irisUrl }),
    new MonitorPlan({} as Database, {} as MlflowClient, {} as DegradationCheck),
  );
}
const sut = plans(null);

describe('job plans', () => {
  it.each([
    ['train', ['-m', 'ct_pipeline.train'], 'ct/team-a/points', true, false],
    ['score', ['-m', 'ct_pipeline.score'], 'ct/team-a/points/scoring', false, true],
    ['monitor', ['-m', 'ct_pipeline.monitor'], 'ct/team-a/points/monitoring', false, true],
  ] as const)(
    '%s runs %j in %s; model lock %s, exchange dir %s',
    (kind, entrypoint, experiment, lock, files) => {
      const plan = sut.of(kind);
      expect(plan).toMatchObject({ kind, entrypoint, takesModelLock: lock, exchangesFiles: files });
      expect(plan.experiment(job(kind, null))).toBe(experiment);
    },
  );

  it.each<[string, JobEntity, string | null]>([
    ['a training job, whatever its task', job('train', null), null],
    ['a score task', job('score', SCORE_TASK), null],
    ['a monitor task', job('monitor', MONITOR_TASK), null],
    ['no task', job('score', null), 'a score job needs a task'],
    ['a task of another kind', job('monitor', SCORE_TASK), 'invalid task: a score task on a monitor job'],
    [
      'a bad model reference',
      job('score', { ...SCORE_TASK, model: 'Champion!' }),
      'invalid task: model: must be an alias',
    ],
    [
      'a window without its end',
      job('monitor', { ...MONITOR_TASK, windowEnd: undefined }),
      'invalid task: windowEnd:',
    ],
    ['no registered pipeline', job('score', SCORE_TASK, null), 'a score job needs a registered pipeline'],
  ])('task of %s', (_, subject, problem) => {
    const found = sut.of(subject.kind).taskProblem(subject);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it.each<[string, unknown, string | null, string | null]>([
    ['asked for, on a worker with CT_IRIS_URL', true, 'iris://ct:ct@iris:1972/USER', null],
    [
      'asked for, on a worker without CT_IRIS_URL',
      true,
      null,
      'mirrorToIris needs CT_IRIS_URL on the worker',
    ],
    ['not asked for, on a worker without CT_IRIS_URL', false, null, null],
    ['left out (a task stored before the option), without CT_IRIS_URL', undefined, null, null],
  ])('the IRIS mirror %s', (_, mirrorToIris, irisUrl, problem) => {
    const subject = job('score', { ...SCORE_TASK, mirrorToIris });

    expect(plans(irisUrl).of('score').taskProblem(subject)).toBe(problem);
  });

  it('reads a valid task as the job stores it', () => {
    expect(parseTask(job('monitor', MONITOR_TASK))).toEqual({ task: MONITOR_TASK });
    expect(scoringTaskProblem(job('monitor', MONITOR_TASK))).toBeNull();
  });
});
