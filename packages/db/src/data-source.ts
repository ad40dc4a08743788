import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity.js';
import { JobEntity } from './entities/job.entity.js';
import { JobAttemptEntity } from './entities/job-attempt.entity.js';
import { JobEventEntity } from './entities/job-event.entity.js';
import { JobLogChunkEntity } from './entities/job-log-chunk.entity.js';
import { MIGRATIONS } from './migrations/index.js';

export const ENTITIES = [ApiKeyEntity, JobEntity, JobAttemptEntity, JobEventEntity, JobLogChunkEntity];

/** The schema is only ever changed by migrations, never by `synchronize`. */
export function createDataSource(databaseUrl: string, options: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    // gen_random_uuid() is built into PostgreSQL 13+; no extension to install.
    uuidExtension: 'pgcrypto',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // One transaction per migration, so a failed one leaves the schema at the previous version.
    migrationsTransactionMode: 'each',
    synchronize: false,
    poolSize: options.poolSize ?? 10,
    extra: { connectionTimeoutMillis: 5_000 },
  });
}

/** Applies every pending migration; returns the names of those it ran. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations();
  return applied.map((migration) => migration.name);
}
