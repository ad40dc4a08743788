import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/data-source.js';

export { freshDatabase } from '@ct/test-support';

export async function migratedDataSource(url: string): Promise<DataSource> {
  const dataSource = await createDataSource(url, { poolSize: 4 }).initialize();
  await dataSource.runMigrations();
  return dataSource;
}
