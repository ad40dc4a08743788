import { freshDatabase } from '@ct/test-support';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/data-source.js';

export { freshDatabase };

export async function migratedDataSource(url: string): Promise<DataSource> {
  const dataSource = await createDataSource(url, { poolSize: 4 }).initialize();
  await dataSource.runMigrations();
  return dataSource;
}

/**
 * A fresh, migrated database for the tests of the `describe` it is called in: made before them, dropped after.
 * Call it first in the `describe`, so that it is ready for the `beforeAll` hooks that follow.
 */
export function migratedDatabase(): { readonly url: string; readonly dataSource: DataSource } {
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let dataSource: DataSource | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
    dataSource = await migratedDataSource(db.url);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the test database is made in beforeAll: use it in a hook or a test');
    return value;
  };
  return {
    get url() {
      return ready(db).url;
    },
    get dataSource() {
      return ready(dataSource);
    },
  };
}
