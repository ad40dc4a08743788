import { loadConfigOrExit, workerEnvSchema } from '@ct/shared/runtime';
import { createDataSource, runMigrations } from './data-source.js';

// `pnpm --filter @ct/db migrate`: applies pending migrations to DATABASE_URL.
const config = loadConfigOrExit(workerEnvSchema, process.env, 'ct migrate');
const dataSource = await createDataSource(config.databaseUrl, { poolSize: 1 }).initialize();
try {
  const applied = await runMigrations(dataSource);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
} finally {
  await dataSource.destroy();
}
