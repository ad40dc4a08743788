import { randomUUID } from 'node:crypto';
import { loadConfig, workerEnvSchema } from '@ct/shared';
import pg from 'pg';

/**
 * A throw-away database on the test setup's Postgres (DATABASE_URL), or on the server of `serverUrl` (a
 * private one), dropped by `drop()`.
 */
export interface FreshDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(serverUrl?: string): Promise<FreshDatabase> {
  const base = new URL(serverUrl ?? loadConfig(workerEnvSchema, process.env).databaseUrl);
  const name = `ct_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await onServer(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function onServer(base: URL, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: base.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
