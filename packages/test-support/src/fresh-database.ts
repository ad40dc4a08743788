import { randomUUID } from 'node:crypto';
import { loadConfig, workerEnvSchema } from '@ct/shared/runtime';
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
  return { url: url.toString(), drop: () => dropDatabase(base, name) };
}

// WITH (FORCE) ends the database's sessions, but a role that is not a superuser may not end an autovacuum
// worker that happens to be busy there ("must be a member of the role whose process is being terminated"):
// wait for it to finish, briefly.
const DROP_TRIES = 30;
const DROP_RETRY_MS = 500;

async function dropDatabase(base: URL, name: string): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await onServer(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch (error) {
      const busy = /must be a member of the role whose process is being terminated|pg_signal_backend/;
      if (tries >= DROP_TRIES || !busy.test(String((error as Error).message))) throw error;
      await new Promise((resolve) => setTimeout(resolve, DROP_RETRY_MS));
    }
  }
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
