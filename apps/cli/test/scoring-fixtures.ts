import {
  type PerformanceEvaluation,
  type Prediction,
  performanceEvaluationSchema,
  predictionSchema,
} from '@ct/shared';

export const SCORE_JOB_ID = '00000000-0000-4000-8000-00000000d001';

/** A stored prediction as the API answers it, checked against the contract. */
export function predictionFixture(overrides: Partial<Prediction> = {}): Prediction {
  return predictionSchema.parse({
    id: '1',
    rowKey: 'k1',
    jobId: SCORE_JOB_ID,
    modelVersion: '2',
    runId: 'run-2',
    prediction: 10.5,
    probabilities: null,
    features: { x: 1 },
    featuresHash: 'abc',
    scoredAt: '2026-01-01T12:00:00.000Z',
    inferenceUs: 3.5,
    outcome: null,
    observedAt: null,
    ...overrides,
  });
}

/** One evaluation of the performance series, checked against the contract. */
export function evaluationFixture(overrides: Partial<PerformanceEvaluation> = {}): PerformanceEvaluation {
  return performanceEvaluationSchema.parse({
    id: '00000000-0000-4000-8000-00000000e001',
    jobId: '00000000-0000-4000-8000-00000000e101',
    modelVersion: '2',
    windowStart: '2026-01-01T00:00:00.000Z',
    windowEnd: '2026-01-02T00:00:00.000Z',
    samples: 50,
    scored: 80,
    metrics: { r2: 0.15, mae: 8 },
    drift: {
      shareDrifted: 0.5,
      drifted: 1,
      features: {
        x: { score: 0.001, drifted: true, method: 'K-S p_value' },
        z: { score: 0.7, drifted: false, method: 'K-S p_value' },
      },
    },
    driftSkipped: null,
    mlflowRunId: 'monitor-run',
    createdAt: '2026-01-02T00:00:00.000Z',
    ...overrides,
  });
}
