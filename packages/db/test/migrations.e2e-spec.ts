import { createDataSource, runMigrationsExclusively } from '../src/data-source.js';
import { MIGRATIONS } from '../src/migrations/index.js';
import { freshDatabase, migratedDatabase, migratedDataSource } from './database.js';

const ALL = MIGRATIONS.map((migration) => new migration().name ?? migration.name);

describe('migrations (real Postgres)', () => {
  const database = migratedDatabase();

  it('leaves no entity change without a migration', async () => {
    const pending = await database.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await database.dataSource.runMigrations()).toEqual([]);
    expect(await database.dataSource.showMigrations()).toBe(false);
  });

  it('reverts to an empty schema and applies again', async () => {
    const other = await freshDatabase();
    const sut = await migratedDataSource(other.url);
    try {
      for (const _ of ALL) await sut.undoLastMigration();
      const tables: { table_name: string }[] = await sut.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'",
      );
      expect(tables).toEqual([]);
      expect((await sut.runMigrations()).map((m) => m.name)).toEqual(ALL);
    } finally {
      await sut.destroy();
      await other.drop();
    }
  });

  it('migrates once when several processes start together', async () => {
    const other = await freshDatabase();
    const sources = await Promise.all(
      [1, 2, 3].map(() => createDataSource(other.url, { poolSize: 2 }).initialize()),
    );
    try {
      const applied = await Promise.all(sources.map((source) => runMigrationsExclusively(source)));
      expect(applied.flat()).toEqual(ALL);
    } finally {
      await Promise.all(sources.map((source) => source.destroy()));
      await other.drop();
    }
  });

  it('never synchronizes the schema on its own', () => {
    expect(createDataSource(database.url).options.synchronize).toBe(false);
  });
});
