import { z } from 'zod';
import { METRICS, type MetricName } from '../jobs/pipeline-rules.js';
import { scheduleSchema } from './schedule.js';

/** Limits on live monitoring. */
export const MONITORING_LIMITS = {
  minWindowSeconds: 60,
  maxWindowSeconds: 90 * 24 * 60 * 60,
  defaultWindowSeconds: 24 * 60 * 60,
  maxMinSamples: 10_000_000,
} as const;

const windowSeconds = z
  .number()
  .int()
  .min(MONITORING_LIMITS.minWindowSeconds)
  .max(MONITORING_LIMITS.maxWindowSeconds);

/**
 * Retrain when the live metric is worse than `threshold` (below it for a metric to maximize such as r2, above
 * it for one to minimize such as mae), measured on at least `minSamples` labelled predictions of the window.
 * The run it starts reads the data since the window's start.
 */
export const degradationTriggerSchema = z.strictObject({
  metric: z.enum(Object.keys(METRICS) as [MetricName, ...MetricName[]]),
  threshold: z.number(),
  minSamples: z.number().int().min(1).max(MONITORING_LIMITS.maxMinSamples),
  windowSeconds: windowSeconds.default(MONITORING_LIMITS.defaultWindowSeconds),
});
export type DegradationTrigger = z.output<typeof degradationTriggerSchema>;

/** When a pipeline's champion is evaluated on its live predictions: on a schedule, and always on demand. */
export const monitoringConfigSchema = z.strictObject({
  schedule: scheduleSchema.nullable().default(null),
  /** The window of predictions a scheduled or on-demand evaluation reads, ending now. */
  windowSeconds: windowSeconds.default(MONITORING_LIMITS.defaultWindowSeconds),
});
export type MonitoringConfig = z.output<typeof monitoringConfigSchema>;

/** True when `value` is worse than `threshold` for `metric`. */
export function isDegraded(metric: MetricName, value: number, threshold: number): boolean {
  return METRICS[metric] === 'maximize' ? value < threshold : value > threshold;
}
