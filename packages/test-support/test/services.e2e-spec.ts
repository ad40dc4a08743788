import { randomUUID } from 'node:crypto';
import { apiEnvSchema, loadConfig } from '@ct/shared/runtime';
import { Redis } from 'ioredis';
import pg from 'pg';

// The servers that scripts/stack.sh started for this test run (REDIS_URL etc., or the local defaults).
const config = loadConfig(apiEnvSchema, process.env);
const suffix = randomUUID().slice(0, 8);

describe('the test setup reaches the real services', () => {
  it('writes and reads a key in Redis', async () => {
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
    const key = `ct:test:services:${suffix}`;
    try {
      await redis.set(key, 'written by the services test', 'EX', 60);
      expect(await redis.get(key)).toBe('written by the services test');
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });

  it('writes and reads a row in Postgres', async () => {
    const client = new pg.Client({ connectionString: config.databaseUrl });
    const table = `services_test_${suffix}`;
    await client.connect();
    try {
      await client.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, note text NOT NULL)`);
      await client.query(`INSERT INTO ${table} (note) VALUES ($1)`, ['written by the services test']);
      const { rows } = await client.query<{ note: string }>(`SELECT note FROM ${table}`);
      expect(rows).toEqual([{ note: 'written by the services test' }]);
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  });

  it('creates an MLflow experiment through the REST API and reads it back', async () => {
    const api = `${config.mlflowTrackingUri}/api/2.0/mlflow`;
    const name = `services-test-${suffix}`;
    const created = await fetch(`${api}/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, tags: [{ key: 'ct.test', value: 'services' }] }),
    });
    expect(created.status).toBe(200);
    const { experiment_id: id } = (await created.json()) as { experiment_id: string };
    try {
      const read = await fetch(`${api}/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`);
      expect(read.status).toBe(200);
      const { experiment } = (await read.json()) as {
        experiment: {
          experiment_id: string;
          name: string;
          lifecycle_stage: string;
          tags: { key: string; value: string }[];
        };
      };
      expect(experiment).toMatchObject({ experiment_id: id, name, lifecycle_stage: 'active' });
      expect(experiment.tags).toContainEqual({ key: 'ct.test', value: 'services' });
    } finally {
      await fetch(`${api}/experiments/delete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_id: id }),
      });
    }
  });
});
