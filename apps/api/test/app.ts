import 'reflect-metadata';
import { type ApiConfig, apiEnvSchema, loadConfig } from '@ct/shared';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module.js';

/** The configuration the test setup's services answer on (REDIS_URL etc., or the local defaults). */
export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return { ...loadConfig(apiEnvSchema, { ...process.env, HEALTH_CHECK_TIMEOUT_MS: '1000' }), ...overrides };
}

export async function startApp(config: ApiConfig): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
