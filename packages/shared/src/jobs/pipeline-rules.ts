import { z } from 'zod';

/** Metrics the evaluation step computes, by task family, and which way is better. */
export const METRICS = {
  mae: 'minimize',
  rmse: 'minimize',
  r2: 'maximize',
  accuracy: 'maximize',
  f1: 'maximize',
  roc_auc: 'maximize',
  log_loss: 'minimize',
} as const;
export type MetricName = keyof typeof METRICS;
export const REGRESSION_METRICS: readonly MetricName[] = ['mae', 'rmse', 'r2'];
export const CLASSIFICATION_METRICS: readonly MetricName[] = ['accuracy', 'f1', 'roc_auc', 'log_loss'];

const metricName = z.enum(Object.keys(METRICS) as [MetricName, ...MetricName[]]);
const severity = z.enum(['warning', 'error']);
const columnName = z.string().min(1).max(200);
export const COLUMN_TYPES = ['numeric', 'integer', 'string', 'boolean', 'datetime'] as const;

/**
 * Data validation rules. Each finding is a warning (logged, the run goes on) or an error (the job stops
 * with `data_error`), as the rule's `severity` says.
 */
export const validationRulesSchema = z.strictObject({
  min_rows: z.strictObject({ rows: z.number().int().min(1), severity: severity.default('error') }).optional(),
  max_missing_share: z
    .strictObject({ threshold: z.number().min(0).max(1), severity: severity.default('warning') })
    .optional(),
  required_columns: z
    .strictObject({
      columns: z.record(columnName, z.enum(COLUMN_TYPES)),
      severity: severity.default('error'),
    })
    .optional(),
  iqr_outliers: z
    .strictObject({
      max_share: z.number().min(0).max(1),
      factor: z.number().positive().default(1.5),
      severity: severity.default('warning'),
    })
    .optional(),
});

const filterValue = z.union([z.number(), z.string().max(1000), z.boolean()]);

/** Non-learned transforms applied in order before the split; learned ones belong in the model pipeline. */
export const transformSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('rename'), columns: z.record(columnName, columnName) }),
  z.strictObject({
    op: z.literal('cast'),
    columns: z.record(columnName, z.enum(['float', 'int', 'str', 'bool'])),
  }),
  z.strictObject({ op: z.literal('drop'), columns: z.array(columnName).min(1) }),
  z.strictObject({
    op: z.literal('filter'),
    column: columnName,
    operator: z.enum(['==', '!=', '<', '<=', '>', '>=']),
    value: filterValue,
  }),
]);

/** How a model is judged, alone and against the champion. */
export const metricsRulesSchema = z.strictObject({
  /** The metric that decides; better is `METRICS[primary]` unless `direction` says otherwise. */
  primary: metricName.optional(),
  direction: z.enum(['minimize', 'maximize']).optional(),
  /** How much better than the champion (absolute, on the primary metric) the challenger must be. */
  min_improvement: z.number().min(0).default(0),
  /** Metrics that may not get worse than the champion's by more than `max_degradation`. */
  guards: z
    .array(z.strictObject({ metric: metricName, max_degradation: z.number().min(0).default(0) }))
    .default([]),
  /** Absolute bounds every model must meet to be promoted, the first one included. */
  thresholds: z
    .partialRecord(metricName, z.strictObject({ min: z.number().optional(), max: z.number().optional() }))
    .default({}),
});

export const promotionSchema = z.strictObject({
  /** `auto` moves the champion alias when the challenger wins; `manual` waits for an approval. */
  policy: z.enum(['auto', 'manual']).default('auto'),
});
