import { z } from 'zod';
import { MONITORING_LIMITS } from '../pipelines/monitoring-config.js';
import { modelRefSchema } from './job-task.js';

const isoDate = z.iso.datetime({ offset: true });

/** Body of `POST /v1/pipelines/:id/monitor` (optional): the window, ending now; the pipeline's by default. */
export const submitMonitorSchema = z
  .strictObject({
    windowSeconds: z
      .number()
      .int()
      .min(MONITORING_LIMITS.minWindowSeconds)
      .max(MONITORING_LIMITS.maxWindowSeconds)
      .optional(),
    model: modelRefSchema.default('champion'),
  })
  .optional();
export type SubmitMonitor = z.output<typeof submitMonitorSchema>;

/** Drift of the window's features from the evaluated model's training sample (Evidently's drift preset). */
export const driftSchema = z.object({
  shareDrifted: z.number(),
  drifted: z.number().int(),
  features: z.record(z.string(), z.object({ score: z.number(), drifted: z.boolean(), method: z.string() })),
});
export type Drift = z.infer<typeof driftSchema>;

/** One evaluation of live performance: a point of the series. */
export const performanceEvaluationSchema = z.object({
  id: z.uuid(),
  jobId: z.uuid(),
  modelVersion: z.string().nullable(),
  windowStart: isoDate,
  windowEnd: isoDate,
  /** Predictions with ground truth the metrics were computed on. */
  samples: z.number().int(),
  /** All predictions of the evaluated version in the window. */
  scored: z.number().int(),
  metrics: z.record(z.string(), z.number()),
  drift: driftSchema.nullable(),
  /** Why drift was not computed, when it was not. */
  driftSkipped: z.string().nullable(),
  mlflowRunId: z.string().nullable(),
  createdAt: isoDate,
});
export type PerformanceEvaluation = z.infer<typeof performanceEvaluationSchema>;

/** Query of `GET /v1/pipelines/:id/performance`: the latest `limit` evaluations. */
export const performanceQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type PerformanceQuery = z.output<typeof performanceQuerySchema>;

/** The series, oldest first. */
export const performanceSeriesSchema = z.object({ items: z.array(performanceEvaluationSchema) });
export type PerformanceSeries = z.infer<typeof performanceSeriesSchema>;
