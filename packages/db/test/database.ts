import { randomUUID } from 'node:crypto';
import { loadConfig, workerEnvSchema } from '@ct/shared';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/data-source.js';

/** A throw-away database on the test setup's Postgres, dropped by `drop()`. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(loadConfig(workerEnvSchema, process.env).databaseUrl);
  const name = `ct_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function migratedDataSource(url: string): Promise<DataSource> {
  const dataSource = await createDataSource(url, { poolSize: 4 }).initialize();
  await dataSource.runMigrations();
  return dataSource;
}
