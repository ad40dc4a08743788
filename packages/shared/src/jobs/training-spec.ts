import { z } from 'zod';
import { dataSourceSchema, isAfter, SKLEARN_DATASETS, seedSchema } from './data-source.js';
import {
  CLASSIFICATION_METRICS,
  type MetricName,
  metricsRulesSchema,
  promotionSchema,
  REGRESSION_METRICS,
  transformSchema,
  validationRulesSchema,
} from './pipeline-rules.js';

export { type DataSection, dataSourceSchema, SKLEARN_DATASETS } from './data-source.js';

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

const paramValue = z.union([z.number(), z.string().max(1000), z.boolean(), z.null()]);
export const modelParamsSchema = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), paramValue);

/** A project directory under the platform's project root (CT_PROJECTS_ROOT): a plain name, never a path. */
export const projectNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  error: 'must be 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit (a name, not a path)',
});

/**
 * What a spec names to run a project: its name, or `<name>@<hash prefix>` for one uploaded version (6 to 64 hex
 * characters of its hash). A name alone runs the team's newest uploaded version of that name, else the
 * operator's folder under CT_PROJECTS_ROOT; the API stores the job with the full `<name>@<hash>` it chose.
 */
export const projectRefSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}(@[0-9a-f]{6,64})?$/, {
  error:
    'must be a project name (1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit), optionally followed by @ and 6-64 hex characters of a version hash',
});

/** A project ref split into its name and hash (prefix); `hash` is absent for a name alone. */
export function parseProjectRef(ref: string): { name: string; hash?: string } {
  const at = ref.indexOf('@');
  return at < 0 ? { name: ref } : { name: ref.slice(0, at), hash: ref.slice(at + 1) };
}

/** `module:function`, the module a dotted Python identifier inside the project directory. */
const entrypointSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'must be module:function (dotted Python identifiers)',
  });

/** A custom training function: `function(X_train, y_train, params)` returns a fitted estimator. */
export const customModelSchema = z.strictObject({
  project: projectRefSchema,
  entrypoint: entrypointSchema,
  params: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), paramValue).default({}),
});

/** An MLflow Project (an `MLproject` file) whose entry point is run in the platform's Python. */
export const mlprojectModelSchema = z.strictObject({
  project: projectRefSchema,
  entry_point: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, { error: 'must be an entry point name' })
    .default('main'),
  /** Checked against the entry point's declared types by the pipeline (it reads the MLproject file). */
  parameters: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/), z.union([z.number(), z.string().max(1000)]))
    .default({}),
});

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
export type TrainingSpecInput = z.input<typeof trainingSpecSchema>;
