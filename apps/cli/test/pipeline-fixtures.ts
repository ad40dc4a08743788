import {
  type Job,
  jobSchema,
  type Pipeline,
  pipelineSchema,
  type TriggerRecord,
  trainingSpecSchema,
  triggerRecordSchema,
} from '@ct/shared';

export const PIPELINE_ID = '00000000-0000-4000-8000-00000000a001';
export const RUN_JOB_ID = '00000000-0000-4000-8000-00000000b001';
export const HASH = 'f3a1c09b2e7d4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233';

/** A training spec as a user writes it (the file `ct pipelines create -f` reads). */
export const SPEC_INPUT = {
  pipeline: 'churn',
  task: 'regression',
  data: { source: 'sklearn', name: 'diabetes' },
  model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 1 } },
  metrics: { primary: 'rmse' },
};

const SPEC = trainingSpecSchema.parse(SPEC_INPUT);

/** A pipeline as the API answers it, checked against the contract; `overrides` replace whole fields. */
export function pipelineFixture(overrides: Partial<Pipeline> = {}): Pipeline {
  return pipelineSchema.parse({
    id: PIPELINE_ID,
    team: 'acme',
    name: 'churn',
    enabled: true,
    schedule: { cron: '0 3 * * *', timezone: 'Europe/Paris' },
    triggers: { newData: { minNewRows: 1000, pollSeconds: 60 } },
    cooldownSeconds: 600,
    monitoring: { schedule: null, windowSeconds: 86_400 },
    promotion: { policy: 'auto' },
    registeredModel: 'acme.churn',
    latestVersion: { version: 3, hash: HASH, createdBy: 'key-1', createdAt: '2026-01-01T10:00:00.000Z' },
    spec: SPEC,
    nextRunAt: '2026-01-02T02:00:00.000Z',
    lastRun: {
      jobId: RUN_JOB_ID,
      state: 'succeeded',
      trigger: 'schedule',
      pipelineVersion: 3,
      createdAt: '2026-01-01T02:00:00.000Z',
      finishedAt: '2026-01-01T02:05:00.000Z',
      failureReason: null,
    },
    lastTrigger: null,
    newData: {
      minNewRows: 1000,
      rowsSinceLastRun: 400,
      highWaterMark: '2026-01-01T01:59:00.000Z',
      pollSeconds: 60,
    },
    champion: { version: '4', metric: { name: 'rmse', value: 53.123456 } },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  });
}

/** A trigger record, checked against the contract. */
export function triggerFixture(overrides: Partial<TriggerRecord> = {}): TriggerRecord {
  return triggerRecordSchema.parse({
    id: '00000000-0000-4000-8000-00000000c001',
    pipelineId: PIPELINE_ID,
    kind: 'schedule',
    firedAt: '2026-01-01T02:00:00.000Z',
    figures: { tickAt: '2026-01-01T02:00:00.000Z' },
    outcome: 'started',
    reason: null,
    jobId: RUN_JOB_ID,
    message: 'started a run',
    ...overrides,
  });
}

/** The job a manual run answers. */
export function jobFixture(overrides: Partial<Job> = {}): Job {
  return jobSchema.parse({
    id: RUN_JOB_ID,
    team: 'acme',
    pipeline: 'churn',
    kind: 'train',
    state: 'queued',
    trigger: 'manual',
    spec: SPEC,
    task: null,
    priority: 100,
    timeoutSeconds: 3600,
    maxAttempts: 3,
    attempts: 0,
    idempotencyKey: null,
    tags: {},
    progress: { step: null, fraction: 0 },
    mlflowExperimentId: null,
    mlflowRunId: null,
    metrics: {},
    modelUri: null,
    registeredModel: null,
    modelVersion: null,
    decision: null,
    submittedBy: null,
    failureReason: null,
    failureMessage: null,
    history: [],
    pipelineId: PIPELINE_ID,
    pipelineVersion: 3,
    triggerId: '00000000-0000-4000-8000-00000000c009',
    dataHighWater: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  });
}
