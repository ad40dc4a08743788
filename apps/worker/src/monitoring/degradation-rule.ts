import { type DegradationTrigger, isDegraded } from '@ct/shared';

/** What a monitor job measured, as its evaluation row holds it. */
export interface MeasuredWindow {
  id: string;
  samples: number;
  metrics: Record<string, number>;
  modelVersion: string | null;
}

/** A degradation that fires the trigger: its figures (kept in the trigger record) and where the rerun reads from. */
export interface Degradation {
  figures: Record<string, number | string | null>;
  dataSince: Date;
}

/**
 * Whether an evaluation fires the pipeline's degradation trigger: the metric is worse than the threshold on at
 * least `minSamples` labelled predictions. The retraining run reads the data since the window's start (the
 * trigger's `windowSeconds` before now), as the seed's `fromdatetime` did.
 * @returns the degradation, or why there is none (for the job's log).
 */
export function degradationOf(
  trigger: DegradationTrigger | undefined,
  measured: MeasuredWindow,
  now: Date,
): Degradation | { none: string } {
  if (!trigger) return { none: 'the pipeline has no degradation trigger' };
  const value = measured.metrics[trigger.metric];
  if (measured.samples < trigger.minSamples)
    return {
      none: `${measured.samples} labelled predictions, fewer than the trigger's ${trigger.minSamples}`,
    };
  if (value === undefined || !Number.isFinite(value))
    return { none: `the evaluation has no ${trigger.metric}` };
  if (!isDegraded(trigger.metric, value, trigger.threshold))
    return { none: `${trigger.metric} ${value.toPrecision(4)} is within the threshold ${trigger.threshold}` };
  const dataSince = new Date(now.getTime() - trigger.windowSeconds * 1000);
  return {
    dataSince,
    figures: {
      metric: trigger.metric,
      value,
      threshold: trigger.threshold,
      samples: measured.samples,
      minSamples: trigger.minSamples,
      windowStart: dataSince.toISOString(),
      modelVersion: measured.modelVersion,
      evaluationId: measured.id,
    },
  };
}
