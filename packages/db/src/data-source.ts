import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity.js';
import { DataArrivalEntity } from './entities/data-arrival.entity.js';
import { JobEntity } from './entities/job.entity.js';
import { JobAttemptEntity } from './entities/job-attempt.entity.js';
import { JobEventEntity } from './entities/job-event.entity.js';
import { JobLogChunkEntity } from './entities/job-log-chunk.entity.js';
import { ModelDecisionEntity } from './entities/model-decision.entity.js';
import { ModelLockEntity } from './entities/model-lock.entity.js';
import { MonitoringEvaluationEntity } from './entities/monitoring-evaluation.entity.js';
import { PendingRunEndEntity } from './entities/pending-run-end.entity.js';
import { PipelineEntity } from './entities/pipeline.entity.js';
import { PipelineVersionEntity } from './entities/pipeline-version.entity.js';
import { PredictionEntity } from './entities/prediction.entity.js';
import { ProjectVersionEntity } from './entities/project-version.entity.js';
import { TriggerRecordEntity } from './entities/trigger-record.entity.js';
import { MIGRATIONS } from './migrations/index.js';

export const ENTITIES = [
  ApiKeyEntity,
  JobEntity,
  JobAttemptEntity,
  JobEventEntity,
  JobLogChunkEntity,
  ModelDecisionEntity,
  ModelLockEntity,
  PendingRunEndEntity,
  PipelineEntity,
  PipelineVersionEntity,
  TriggerRecordEntity,
  DataArrivalEntity,
  PredictionEntity,
  MonitoringEvaluationEntity,
  ProjectVersionEntity,
];

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

/** Any fixed number: the key of the session lock that makes concurrent start-ups migrate one at a time. */
const MIGRATION_LOCK_KEY = 7_462_000_001;

/**
 * Applies pending migrations while holding a Postgres advisory lock, so that processes starting together
 * (API replicas, workers) never run the same migration twice; the others wait, then find nothing to do.
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await runMigrations(dataSource);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
