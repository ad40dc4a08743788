import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/** How a column's value goes from a raw row into an entity. */
interface ColumnPlan {
  column: ColumnMetadata;
  property: string;
  databaseName: string;
  /** Set when the raw value is the entity's value as it is (see {@link PG_AS_IS}). */
  asIs: boolean;
  /** A timestamp read as it is: a string (pg's reading, without its parser) still becomes a Date. */
  date: boolean;
  /** Set when the entity's property is the column's own (not inside an embedded, not a relation's). */
  plain: boolean;
}

// Column types whose value pg already reads as TypeORM's Postgres driver would hydrate it: the driver
// returns these unchanged (no transformer) or, for timestamps, turns only a string into a Date.
const PG_AS_IS: ReadonlySet<unknown> = new Set([
  'uuid',
  'text',
  'varchar',
  'character varying',
  'integer',
  'int',
  'int4',
  'bigint',
  'double precision',
  'boolean',
  'jsonb',
  'json',
  'timestamptz',
  'timestamp with time zone',
]);

const plans = new WeakMap<EntityMetadata, readonly ColumnPlan[]>();

function planOf(metadata: EntityMetadata): readonly ColumnPlan[] {
  let plan = plans.get(metadata);
  if (plan === undefined) {
    plan = metadata.columns.map((column) => ({
      column,
      property: column.propertyName,
      databaseName: column.databaseName,
      asIs: column.transformer === undefined && PG_AS_IS.has(column.type),
      date: column.type === 'timestamptz' || column.type === 'timestamp with time zone',
      plain: column.embeddedMetadata === undefined && !(column.isVirtual && column.referencedColumn),
    }));
    plans.set(metadata, plan);
  }
  return plan;
}

/**
 * An entity as TypeORM would load it, from a row of raw SQL (columns by their database names): every column
 * read as its column type reads, except those `given`, which are taken as they are. Hot reads use raw SQL
 * and this: a query builder builds its SQL and resolves its aliases again for every query and every row.
 * Each entity's columns are looked at once (which need the driver's conversion, which are plain
 * properties); a row then costs a property copy per column for the common types.
 */
export function hydrate<T extends ObjectLiteral>(
  connection: DataSource,
  target: EntityTarget<T>,
  raw: Record<string, unknown>,
  given: Partial<T> = {},
): T {
  const metadata = connection.getMetadata(target);
  const entity = metadata.create() as T;
  const writable = entity as Record<string, unknown>;
  for (const { column, property, databaseName, asIs, date, plain } of planOf(metadata)) {
    let value: unknown;
    if (property in given) value = given[property as keyof T];
    else {
      value = raw[databaseName];
      if (!asIs) value = connection.driver.prepareHydratedValue(value, column);
      else if (date && typeof value === 'string') value = new Date(value);
    }
    if (plain) writable[property] = value;
    else column.setEntityValue(entity, value);
  }
  return entity;
}
