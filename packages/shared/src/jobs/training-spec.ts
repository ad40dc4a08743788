import { z } from 'zod';
import {
  CLASSIFICATION_METRICS,
  type MetricName,
  metricsRulesSchema,
  promotionSchema,
  REGRESSION_METRICS,
  transformSchema,
  validationRulesSchema,
} from './pipeline-rules.js';

/** Estimators the platform can train; the Python pipeline (`ct_pipeline`) holds the same catalogue. */
export const ESTIMATORS = {
  'lightgbm.LGBMRegressor': 'regression',
  'lightgbm.LGBMClassifier': 'classification',
  'sklearn.linear_model.LinearRegression': 'regression',
  'sklearn.linear_model.Ridge': 'regression',
  'sklearn.linear_model.LogisticRegression': 'classification',
  'sklearn.ensemble.RandomForestRegressor': 'regression',
  'sklearn.ensemble.RandomForestClassifier': 'classification',
  'sklearn.ensemble.GradientBoostingRegressor': 'regression',
  'sklearn.ensemble.GradientBoostingClassifier': 'classification',
} as const;
export type Estimator = keyof typeof ESTIMATORS;

export const TASKS = ['regression', 'binary_classification', 'multiclass_classification'] as const;
export type Task = (typeof TASKS)[number];

/**
 * Pipeline names become MLflow experiment names and queue-independent keys. No `.`, as in team names: the
 * registered model `<team>.<pipeline>` must name one team's pipeline only.
 */
export const pipelineNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, {
  error:
    'must be 1-100 characters of a-z, 0-9, _ and -, starting with a letter or digit (no ".": it separates team and pipeline in the registered model name <team>.<pipeline>)',
});

/** What scikit-learn accepts as a random seed. */
const seedSchema = z.number().int().min(0).max(4_294_967_295);

/** The task each bundled dataset is for. */
export const SKLEARN_DATASETS = {
  diabetes: 'regression',
  breast_cancer: 'binary_classification',
  iris: 'multiclass_classification',
  wine: 'multiclass_classification',
} as const;

const paramValue = z.union([z.number(), z.string().max(1000), z.boolean(), z.null()]);
export const modelParamsSchema = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), paramValue);

const relativePath = z
  .string()
  .min(1)
  .max(500)
  .refine((path) => !path.startsWith('/') && !path.split(/[\\/]/).includes('..'), {
    error: 'must be a path relative to the data root, without ..',
  });

/** Columns of a tabular source: the target, the features (default: every other column), a time filter. */
const tabularColumns = {
  target: z.string().min(1).max(200),
  features: z
    .array(z.string().min(1).max(200))
    .min(1)
    .max(1000)
    .refine((names) => new Set(names).size === names.length, { error: 'must not repeat a column' })
    .optional(),
  /** The column `since` and `until` apply to; required with either. */
  time_column: z.string().min(1).max(200).optional(),
  /** Only rows whose `time_column` is at or after `since` are used. */
  since: z.iso.datetime({ offset: true }).optional(),
  /**
   * Only rows whose `time_column` is at or before `until` are used: a triggered run reads up to its data
   * high-water mark, so that the next trigger counts only the rows after it.
   */
  until: z.iso.datetime({ offset: true }).optional(),
};

// An ISO date-time with an offset as [epoch ms of its whole seconds, microseconds]: two instants compare
// exactly at the precision the Python pipeline keeps (it truncates to microseconds too), so the two sides
// never disagree on whether since <= until.
function instant(text: string): [number, number] {
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  return [Date.parse(text.replace(/\.\d+/, '')), Number(fraction.padEnd(6, '0').slice(0, 6))];
}

function isAfter(a: string, b: string): boolean {
  const [[aMs, aMicros], [bMs, bMicros]] = [instant(a), instant(b)];
  return aMs > bMs || (aMs === bMs && aMicros > bMicros);
}

/** A project directory under the platform's project root (CT_PROJECTS_ROOT): a plain name, never a path. */
export const projectNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  error: 'must be 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit (a name, not a path)',
});

/** `module:function`, the module a dotted Python identifier inside the project directory. */
const entrypointSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'must be module:function (dotted Python identifiers)',
  });

/** A custom training function: `function(X_train, y_train, params)` returns a fitted estimator. */
export const customModelSchema = z.strictObject({
  project: projectNameSchema,
  entrypoint: entrypointSchema,
  params: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), paramValue).default({}),
});

/** An MLflow Project (an `MLproject` file) whose entry point is run in the platform's Python. */
export const mlprojectModelSchema = z.strictObject({
  project: projectNameSchema,
  entry_point: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, { error: 'must be an entry point name' })
    .default('main'),
  /** Checked against the entry point's declared types by the pipeline (it reads the MLproject file). */
  parameters: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/), z.union([z.number(), z.string().max(1000)]))
    .default({}),
});

/** A query a data source runs; the pipeline also runs it in a read-only transaction. */
const readOnlyQuery = z
  .string()
  .min(1)
  .max(20_000)
  .refine((query) => /^\s*(select|with)\b/i.test(query), {
    error: 'must be a SELECT (or WITH ... SELECT) query',
  });

/** The host and namespace come from CT_IRIS_URL; the spec names only what to read. */
const irisSourceSchema = z.strictObject({
  source: z.literal('iris'),
  query: readOnlyQuery.optional(),
  table: z
    .string()
    .regex(/^[A-Za-z_%][A-Za-z0-9_]*(\.[A-Za-z_%][A-Za-z0-9_]*)?$/, {
      error: 'must be a table name, optionally schema-qualified (Schema.Table)',
    })
    .optional(),
  ...tabularColumns,
});

/** Where a pipeline's rows come from; scoring jobs read the same sources. */
export const dataSourceSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('sklearn'),
    name: z.enum(Object.keys(SKLEARN_DATASETS) as [keyof typeof SKLEARN_DATASETS]),
  }),
  // Files under the platform's data root (CT_DATA_ROOT); the pipeline refuses paths that leave it.
  z.strictObject({ source: z.literal('csv'), path: relativePath, ...tabularColumns }),
  z.strictObject({ source: z.literal('parquet'), path: relativePath, ...tabularColumns }),
  // A read-only query on the Postgres named by CT_SOURCE_DATABASE_URL, run in a READ ONLY transaction.
  z.strictObject({
    source: z.literal('postgres'),
    query: readOnlyQuery,
    ...tabularColumns,
  }),
  z.strictObject({
    source: z.literal('synthetic'),
    rows: z.number().int().min(100).max(5_000_000),
    features: z.number().int().min(1).max(500),
    seed: seedSchema,
    noise: z.number().min(0).default(0.1),
  }),
  // A query or a table in InterSystems IRIS (CT_IRIS_URL), read through the optional driver.
  irisSourceSchema,
]);

/**
 * The model: exactly one of a catalogue `estimator` (with `params`), a `custom` training function, or an
 * `mlproject`. One object rather than a union so that errors name the field (`model.estimator`) and the
 * worker can still merge `params` overrides; `params` belongs to `estimator` only.
 */
const modelSchema = z.strictObject({
  estimator: z.enum(Object.keys(ESTIMATORS) as [Estimator, ...Estimator[]]).optional(),
  params: modelParamsSchema.default({}),
  custom: customModelSchema.optional(),
  mlproject: mlprojectModelSchema.optional(),
});

/** What a training job trains: data, task, model and split. Validated here and again in Python. */
export const trainingSpecSchema = z
  .strictObject({
    pipeline: pipelineNameSchema,
    task: z.enum(TASKS),
    data: dataSourceSchema,
    model: modelSchema,
    split: z
      .strictObject({
        test_size: z.number().min(0.05).max(0.9).default(0.2),
        seed: seedSchema.default(42),
        /** Split by time instead of at random: the newest `test_size` share of rows is the test set. */
        time_column: z.string().min(1).max(200).optional(),
      })
      .default({ test_size: 0.2, seed: 42 }),
    validation: validationRulesSchema.default({ min_rows: { rows: 20, severity: 'error' } }),
    preparation: z
      .strictObject({ transforms: z.array(transformSchema).max(100).default([]) })
      .default({ transforms: [] }),
    metrics: metricsRulesSchema.default({ min_improvement: 0, guards: [], thresholds: {} }),
    promotion: promotionSchema.default({ policy: 'auto' }),
    /** How the worker runs the pipeline; nothing here changes what is trained. */
    runtime: z
      .strictObject({
        /**
         * false: the run starts a fresh Python interpreter instead of being forked from the worker's warm
         * pool (which has the platform's libraries imported already); for code that must import them itself.
         */
        warm_start: z.boolean().default(true),
      })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    const data = spec.data;
    if (data.source === 'sklearn' && SKLEARN_DATASETS[data.name] !== spec.task) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'name'],
        message: `the ${data.name} dataset is for ${SKLEARN_DATASETS[data.name]}, not ${spec.task}`,
      });
    }
    if ('target' in data && data.features?.includes(data.target)) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'features'],
        message: 'must not include the target column',
      });
    }
    if (data.source === 'synthetic' && spec.task === 'multiclass_classification' && data.features < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'features'],
        message: 'multiclass data needs at least 2 features',
      });
    }
    if ('since' in data && data.since !== undefined && data.time_column === undefined) {
      ctx.addIssue({ code: 'custom', path: ['data', 'time_column'], message: 'is required with since' });
    }
    if ('until' in data && data.until !== undefined) {
      if (data.time_column === undefined) {
        ctx.addIssue({ code: 'custom', path: ['data', 'time_column'], message: 'is required with until' });
      }
      if (data.since !== undefined && isAfter(data.since, data.until)) {
        ctx.addIssue({
          code: 'custom',
          path: ['data', 'until'],
          message: `must be at or after since (${data.since})`,
        });
      }
    }
    const allowed = spec.task === 'regression' ? REGRESSION_METRICS : CLASSIFICATION_METRICS;
    const named = [
      ['primary', spec.metrics.primary],
      ...spec.metrics.guards.map((guard, i) => [`guards.${i}.metric`, guard.metric] as const),
      ...Object.keys(spec.metrics.thresholds).map((metric) => [`thresholds.${metric}`, metric] as const),
    ] as const;
    for (const [path, metric] of named) {
      if (metric !== undefined && !allowed.includes(metric as MetricName)) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', ...path.split('.')],
          message: `${metric} is not computed for ${spec.task}; use one of ${allowed.join(', ')}`,
        });
      }
    }
    if (data.source === 'iris' && (data.query === undefined) === (data.table === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'needs exactly one of query and table' });
    }
    const { estimator, custom, mlproject, params } = spec.model;
    const kinds = [estimator, custom, mlproject].filter((kind) => kind !== undefined).length;
    if (kinds !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: 'needs exactly one of estimator, custom and mlproject',
      });
    }
    if (estimator === undefined) {
      if (Object.keys(params).length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['model', 'params'],
          message: 'belongs to estimator; give custom.params or mlproject.parameters instead',
        });
      }
      return;
    }
    const kind = ESTIMATORS[estimator];
    const wants = spec.task === 'regression' ? 'regression' : 'classification';
    if (kind !== wants) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'estimator'],
        message: `${estimator} is a ${kind} estimator and cannot do ${spec.task}`,
      });
    }
  });
export type TrainingSpec = z.output<typeof trainingSpecSchema>;
export type DataSection = z.output<typeof dataSourceSchema>;
export type TrainingSpecInput = z.input<typeof trainingSpecSchema>;
