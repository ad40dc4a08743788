import {
  createDataSource,
  DATA_SOURCE_STORES,
  JobLifecycle,
  LogStore,
  runMigrationsExclusively,
} from '@ct/db';
import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';

/** Injection token for the initialized, migrated TypeORM data source. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');

const logger = new Logger('Database');

/** Connects and brings the schema up to date before anything else starts: no Postgres, no API. */
async function openDatabase(config: ApiConfig): Promise<DataSource> {
  const dataSource = await createDataSource(config.databaseUrl).initialize();
  try {
    const applied = await runMigrationsExclusively(dataSource);
    logger.log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'schema is up to date');
    return dataSource;
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

/**
 * The one place that moves a job's state. What must follow a commit (waking event streams) registers as a
 * listener where it lives; a listener's failure is logged, never undoes the move.
 */
function jobLifecycle(dataSource: DataSource): JobLifecycle {
  const lifecycle = new JobLifecycle(dataSource);
  lifecycle.onListenerError = (error) =>
    logger.warn(`a job move listener failed: ${error instanceof Error ? error.message : String(error)}`);
  return lifecycle;
}

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Each store over the data source that needs nothing else, injected by its class. */
const storeProviders: Provider[] = DATA_SOURCE_STORES.map((Store) => ({
  provide: Store,
  inject: [DATA_SOURCE],
  useFactory: (dataSource: DataSource) => new Store(dataSource),
}));

/**
 * Postgres for the API: the migrated data source and every `@ct/db` store over it, made here and only here
 * (the worker's `Database` is its counterpart). Global: a feature module injects the stores it needs.
 */
@Global()
@Module({
  providers: [
    { provide: DATA_SOURCE, inject: [API_CONFIG], useFactory: openDatabase },
    ...storeProviders,
    { provide: JobLifecycle, inject: [DATA_SOURCE], useFactory: jobLifecycle },
    {
      provide: LogStore,
      inject: [DATA_SOURCE, API_CONFIG],
      useFactory: (ds: DataSource, config: ApiConfig) => new LogStore(ds, config.jobLogMaxBytes),
    },
    DataSourceCloser,
  ],
  exports: [DATA_SOURCE, ...DATA_SOURCE_STORES, JobLifecycle, LogStore],
})
export class DatabaseModule {}
