import type { MonitoringEvaluationEntity, PredictionEntity } from '@ct/db';
import type { PerformanceEvaluation, Prediction } from '@ct/shared';

export function toPredictionDto(row: PredictionEntity): Prediction {
  return {
    id: String(row.id),
    rowKey: row.rowKey,
    jobId: row.jobId,
    modelVersion: row.modelVersion,
    runId: row.runId,
    prediction: row.prediction,
    probabilities: row.probabilities,
    features: row.features,
    featuresHash: row.featuresHash,
    scoredAt: row.scoredAt.toISOString(),
    inferenceUs: row.inferenceUs,
    outcome: row.outcome,
    observedAt: row.observedAt?.toISOString() ?? null,
  };
}

export function toEvaluationDto(row: MonitoringEvaluationEntity): PerformanceEvaluation {
  return {
    id: row.id,
    jobId: row.jobId,
    modelVersion: row.modelVersion,
    windowStart: row.windowStart.toISOString(),
    windowEnd: row.windowEnd.toISOString(),
    samples: row.samples,
    scored: row.scored,
    metrics: row.metrics,
    drift: row.drift,
    driftSkipped: row.driftSkipped,
    mlflowRunId: row.mlflowRunId,
    createdAt: row.createdAt.toISOString(),
  };
}
