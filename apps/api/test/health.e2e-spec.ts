import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readinessSchema } from '@ct/shared';
import {
  type FreshDatabase,
  freePort,
  freshDatabase,
  type PrivateRedis,
  startPrivateRedis,
  waitFor,
} from '@ct/test-support';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { ApiConfig } from '../src/config/api-config.js';
import { DEPENDENCY_PROBES } from '../src/health/dependency-probe.js';
import { MlflowProbe } from '../src/health/mlflow.probe.js';
import { PostgresProbe } from '../src/health/postgres.probe.js';
import { RedisProbe } from '../src/health/redis.probe.js';
import { testConfig as baseConfig, deleteQueueKeys, startApp } from './app.js';

describe('health endpoints (real Redis, Postgres, MLflow)', () => {
  let app: INestApplication | undefined;
  let db: FreshDatabase;
  const prefix = `ct-test-${randomUUID().slice(0, 8)}`;
  const testConfig = (overrides: Partial<ApiConfig> = {}) =>
    baseConfig({ databaseUrl: db.url, bullmqPrefix: prefix, ...overrides });

  beforeAll(async () => {
    db = await freshDatabase();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  afterAll(async () => {
    await db.drop();
    await deleteQueueKeys(testConfig().redisUrl, prefix);
  });

  it('GET /health/live answers without touching dependencies', async () => {
    app = await startApp(testConfig({ redisUrl: 'redis://127.0.0.1:1' }));
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body).toMatchObject({ status: 'live', version: expect.any(String) });
    expect(res.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('GET /health/ready is 200 when Redis, Postgres and MLflow all answer', async () => {
    app = await startApp(testConfig());
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    const body = readinessSchema.parse(res.body);
    expect(body).toMatchObject({ status: 'ready', down: [] });
    for (const check of Object.values(body.checks)) expect(check).toMatchObject({ status: 'up' });
  });

  describe('with a Redis that the test stops', () => {
    let redis: PrivateRedis;

    beforeEach(async () => {
      redis = await startPrivateRedis();
    });

    afterEach(async () => {
      await redis.stop();
    });

    it('reports Redis down by name, then up again once it is back', async () => {
      app = await startApp(testConfig({ redisUrl: redis.url }));
      const server = app.getHttpServer();
      await request(server).get('/health/ready').expect(200);

      await redis.stop();
      const down = await request(server).get('/health/ready').expect(503);
      expect(down.body).toMatchObject({
        status: 'not_ready',
        down: ['redis'],
        checks: {
          redis: { status: 'down', error: expect.any(String) },
          postgres: { status: 'up' },
          mlflow: { status: 'up' },
        },
      });

      await redis.restart();
      await waitFor(
        'readiness to recover',
        async () => (await request(server).get('/health/ready')).status === 200,
      );
    });
  });

  it('reports Postgres and MLflow down when nothing listens on their ports', async () => {
    // The API itself needs Postgres to start, so only the probes point at the closed ports.
    const [pgPort, mlflowPort] = [await freePort(), await freePort()];
    const config = testConfig();
    app = await startApp(config, (builder) =>
      builder
        .overrideProvider(DEPENDENCY_PROBES)
        .useValue([
          new RedisProbe(config.redisUrl, config.healthCheckTimeoutMs),
          new PostgresProbe(`postgres://ct:ct@127.0.0.1:${pgPort}/ct`, config.healthCheckTimeoutMs),
          new MlflowProbe(`http://127.0.0.1:${mlflowPort}`),
        ]),
    );
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    const body = readinessSchema.parse(res.body);
    expect(body.down).toEqual(['postgres', 'mlflow']);
    expect(body.checks.redis.status).toBe('up');
    expect(body.checks.postgres.error).toMatch(/ECONNREFUSED/);
  });

  it('reports a dependency that never answers as down within the timeout instead of hanging', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    try {
      app = await startApp(
        testConfig({ mlflowTrackingUri: `http://127.0.0.1:${address.port}`, healthCheckTimeoutMs: 300 }),
      );
      const started = Date.now();
      const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(res.body.down).toEqual(['mlflow']);
      expect(res.body.checks.mlflow.error).toBe('no answer within 300 ms');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
