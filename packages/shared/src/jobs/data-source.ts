import { z } from 'zod';

/** What scikit-learn accepts as a random seed. */
export const seedSchema = z.number().int().min(0).max(4_294_967_295);

/** The task each bundled dataset is for. */
export const SKLEARN_DATASETS = {
  diabetes: 'regression',
  breast_cancer: 'binary_classification',
  iris: 'multiclass_classification',
  wine: 'multiclass_classification',
} as const;

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

export function isAfter(a: string, b: string): boolean {
  const [[aMs, aMicros], [bMs, bMicros]] = [instant(a), instant(b)];
  return aMs > bMs || (aMs === bMs && aMicros > bMicros);
}

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

export type DataSection = z.output<typeof dataSourceSchema>;
