import {
  type Drift,
  type JobKind,
  monitorResultSchema,
  type PromotionDecision,
  scoreResultSchema,
  trainResultSchema,
} from '@ct/shared';
import { z } from 'zod';

/** What a score run reports beyond the job's fields: the after-success step stores its predictions with it. */
export interface ScoreReport {
  kind: 'score';
  rows: number;
  modelVersion: string;
  /** The MLflow run that trained the version. */
  modelRunId: string | null;
  /** Whether the model came from the worker's cache or was downloaded. */
  cache: 'hit' | 'miss';
  inferenceSeconds: number;
  rowsPerSecond: number;
}

/** What a monitor run reports: the evaluation of the window, recorded by the after-success step. */
export interface MonitorReport {
  kind: 'monitor';
  samples: number;
  scored: number;
  metrics: Record<string, number>;
  primary: string | null;
  drift: Drift | null;
  driftSkipped: string | null;
  modelVersion: string;
  /** The monitoring run (the job's own). */
  runId: string;
}

/** What a succeeded run reports, as the job records it. */
export interface Success {
  metrics: Record<string, number>;
  modelUri: string | null;
  registeredModel: string | null;
  modelVersion: string | null;
  decision: PromotionDecision | null;
  /**
   * A score or monitor run's report: such a run used a registered version, it registered none. Absent for
   * training, whose version (and the decision on it) is the registry's record.
   */
  scoring?: ScoreReport | MonitorReport;
}

// The payloads as the pipeline sends them (`@ct/shared`'s contract), as the job records them.
const trainSucceeded = trainResultSchema.transform(
  (result): Success => ({
    metrics: result.metrics,
    modelUri: result.model_uri,
    registeredModel: result.registered_model ?? null,
    modelVersion: result.model_version ?? null,
    decision: result.decision ?? null,
  }),
);

const scoreSucceeded = scoreResultSchema.transform(
  (result): Success => ({
    metrics: {
      rows: result.rows,
      rows_per_second: result.rows_per_second,
      inference_seconds: result.inference_seconds,
    },
    modelUri: result.model_uri,
    // The job's own registered model, set by the after-success step: the payload does not repeat it.
    registeredModel: null,
    modelVersion: result.model_version,
    decision: null,
    scoring: {
      kind: 'score',
      rows: result.rows,
      modelVersion: result.model_version,
      modelRunId: result.model_run_id,
      cache: result.cache,
      inferenceSeconds: result.inference_seconds,
      rowsPerSecond: result.rows_per_second,
    },
  }),
);

const monitorSucceeded = monitorResultSchema.transform(
  (result): Success => ({
    metrics: { ...result.metrics, samples: result.samples },
    modelUri: null,
    registeredModel: null,
    modelVersion: result.model_version,
    decision: null,
    scoring: {
      kind: 'monitor',
      samples: result.samples,
      scored: result.scored,
      metrics: result.metrics,
      primary: result.primary ?? null,
      drift: result.drift && {
        shareDrifted: result.drift.share_drifted,
        drifted: result.drift.drifted,
        features: result.drift.features,
      },
      driftSkipped: result.drift_skipped,
      modelVersion: result.model_version,
      runId: result.run_id,
    },
  }),
);

const SUCCEEDED: Record<JobKind, z.ZodType<Success, unknown>> = {
  train: trainSucceeded,
  score: scoreSucceeded,
  monitor: monitorSucceeded,
};

/** The `result` event of a succeeded run of `kind`, as the job records it; an error names what is wrong. */
export function parseSucceeded(kind: JobKind, payload: unknown): z.ZodSafeParseResult<Success> {
  return SUCCEEDED[kind].safeParse(payload);
}

/** The report of a score or monitor run. @throws Error when the success is of another kind (a bug). */
export function reportOf<K extends (ScoreReport | MonitorReport)['kind']>(
  success: Success,
  kind: K,
): Extract<ScoreReport | MonitorReport, { kind: K }> {
  const report = success.scoring;
  if (report?.kind !== kind) throw new Error(`expected a ${kind} report, got ${report?.kind ?? 'none'}`);
  return report as Extract<ScoreReport | MonitorReport, { kind: K }>;
}
