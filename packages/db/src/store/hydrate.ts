import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity as TypeORM would load it, from a row of raw SQL (columns by their database names): every column
 * read as its column type reads, except those `given`, which are taken as they are. Hot reads use raw SQL
 * and this: a query builder builds its SQL and resolves its aliases again for every query and every row.
 */
export function hydrate<T extends ObjectLiteral>(
  connection: DataSource,
  target: EntityTarget<T>,
  raw: Record<string, unknown>,
  given: Partial<T> = {},
): T {
  const metadata = connection.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    const value =
      column.propertyName in given
        ? given[column.propertyName as keyof T]
        : connection.driver.prepareHydratedValue(raw[column.databaseName], column);
    column.setEntityValue(entity, value);
  }
  return entity;
}
