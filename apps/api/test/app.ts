import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { type ApiConfig, apiEnvSchema, loadConfig } from '@ct/shared/runtime';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppModule } from '../src/app.module.js';
import { API_APP_OPTIONS, configureApp } from '../src/http/configure-app.js';
import { nestLoggerOf } from '../src/observability/api-logger.js';

/**
 * The configuration the test setup's services answer on (REDIS_URL etc., or the local defaults), with a
 * BullMQ prefix of its own so that tests never see each other's jobs. Give it a fresh database.
 */
export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  const base = loadConfig(apiEnvSchema, { ...process.env, HEALTH_CHECK_TIMEOUT_MS: '1000' });
  return {
    ...base,
    bullmqPrefix: `ct-test-${randomUUID().slice(0, 8)}`,
    bootstrapAdmin: { key: `ct_test_${randomBytes(24).toString('base64url')}`, team: 'admin' },
    ...overrides,
  };
}

/** An API app, silent unless given the root `logger` that `main.ts` would make. */
export async function startApp(
  config: ApiConfig,
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (builder) => builder,
  logger: Logger | null = null,
): Promise<NestExpressApplication> {
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  const moduleRef = await customize(builder).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    ...API_APP_OPTIONS,
    logger: logger ? nestLoggerOf(logger) : false,
  });
  configureApp(app, config, logger);
  await app.init();
  return app;
}

/** Deletes the BullMQ keys of a test's prefix. */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<
      string[]
    >)
      if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
