import { JobAttemptEntity, JobEntity } from '@ct/db';
import { type JobKind, type JobTask, jobSchema, trainingSpecSchema } from '@ct/shared';
import { toJobDto } from './jobs.mapper.js';

function jobRow(overrides: Partial<JobEntity> = {}): JobEntity {
  return Object.assign(new JobEntity(), {
    id: '7f1c1a2e-3b4d-4c5e-8f60-718293a4b5c6',
    team: 'team-a',
    pipeline: 'diabetes',
    state: 'failed',
    kind: 'train',
    task: null,
    trigger: 'manual',
    spec: trainingSpecSchema.parse({
      pipeline: 'diabetes',
      task: 'regression',
      data: { source: 'sklearn', name: 'diabetes' },
      model: { estimator: 'sklearn.linear_model.Ridge', params: {} },
    }),
    params: {},
    priority: 100,
    timeoutSeconds: 3600,
    maxAttempts: 3,
    attempts: 1,
    idempotencyKey: null,
    tags: { owner: 'ana' },
    progressStep: 'training',
    progressFraction: 0.5,
    mlflowExperimentId: '3',
    mlflowRunId: 'run-1',
    metrics: { rmse: 51.2 },
    modelUri: null,
    registeredModel: null,
    modelVersion: null,
    decision: null,
    submittedBy: null,
    failureReason: 'training_error',
    failureMessage: 'boom',
    cancelRequestedAt: null,
    logBytes: '0',
    logTruncated: false,
    createdAt: new Date('2026-01-02T03:04:05.006Z'),
    updatedAt: new Date('2026-01-02T03:05:00.000Z'),
    startedAt: new Date('2026-01-02T03:04:06.000Z'),
    finishedAt: new Date('2026-01-02T03:05:00.000Z'),
    ...overrides,
  });
}

const attempt = Object.assign(new JobAttemptEntity(), {
  id: '1',
  jobId: '7f1c1a2e-3b4d-4c5e-8f60-718293a4b5c6',
  attempt: 1,
  mlflowRunId: 'run-1',
  worker: 'host:1',
  outcome: 'failed',
  failureReason: 'training_error',
  message: 'boom',
  startedAt: new Date('2026-01-02T03:04:06.000Z'),
  finishedAt: new Date('2026-01-02T03:05:00.000Z'),
});

describe('toJobDto', () => {
  it('gives a valid shared Job, with progress and history', () => {
    const sut = toJobDto(jobRow(), [attempt]);
    expect(jobSchema.parse(sut)).toEqual(sut);
    expect(sut).toMatchObject({
      progress: { step: 'training', fraction: 0.5 },
      createdAt: '2026-01-02T03:04:05.006Z',
      history: [{ attempt: 1, outcome: 'failed', worker: 'host:1', finishedAt: '2026-01-02T03:05:00.000Z' }],
    });
  });

  it('shows the registered version, the promotion decision and the submitting key', () => {
    const decision = {
      promoted: true,
      policy: 'auto',
      outcome: 'promote',
      reason: 'first model of the pipeline',
      primary: { metric: 'rmse', direction: 'minimize', challenger: 51.2, champion: null },
      champion_version: null,
      alias: 'champion',
    } as const;
    const row = jobRow({
      registeredModel: 'team-a.diabetes',
      modelVersion: '1',
      decision,
      submittedBy: '0b3c0ffe-0000-4000-8000-000000000001',
    });
    expect(jobSchema.parse(toJobDto(row, []))).toMatchObject({
      registeredModel: 'team-a.diabetes',
      modelVersion: '1',
      decision,
      submittedBy: '0b3c0ffe-0000-4000-8000-000000000001',
    });
  });

  it.each<[JobKind, JobTask]>([
    [
      'score',
      {
        kind: 'score',
        model: 'champion',
        source: null,
        since: null,
        until: null,
        rows: [{ id: 'r1', x: 1.5 }],
        keyColumn: 'id',
        mirrorToIris: true,
      },
    ],
    [
      'monitor',
      {
        kind: 'monitor',
        model: '3',
        windowStart: '2026-01-01T03:04:05.000Z',
        windowEnd: '2026-01-02T03:04:05.000Z',
      },
    ],
  ])('shows a %s job with its kind and task', (kind, task) => {
    const sut = toJobDto(jobRow({ kind, task, pipelineId: null }), []);
    expect(jobSchema.parse(sut)).toMatchObject({ kind, task });
  });

  it('shows a training job with kind train and no task', () => {
    expect(toJobDto(jobRow(), [])).toMatchObject({ kind: 'train', task: null });
  });

  it('shows dates that are not set yet as null', () => {
    const sut = toJobDto(jobRow({ state: 'queued', startedAt: null, finishedAt: null, attempts: 0 }), []);
    expect(jobSchema.parse(sut)).toMatchObject({ startedAt: null, finishedAt: null, history: [] });
  });

  it('does not leak internal columns', () => {
    const sut = toJobDto(jobRow(), []) as Record<string, unknown>;
    for (const column of ['logBytes', 'logTruncated', 'cancelRequestedAt', 'params'])
      expect(sut).not.toHaveProperty(column);
  });
});
