import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type FreshDatabase, freePort, freshDatabase, runToEnd, startChild, waitFor } from '@ct/test-support';

import { deleteQueueKeys, testConfig } from './app.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the built API process', () => {
  let db: FreshDatabase;
  const prefix = `ct-test-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    db = await freshDatabase();
  });

  afterAll(async () => {
    await db.drop();
    await deleteQueueKeys(testConfig().redisUrl, prefix);
  });

  it('refuses to start on a bad environment, naming every bad variable', async () => {
    const sut = await runToEnd(process.execPath, [MAIN], {
      PATH: process.env.PATH,
      API_PORT: 'eighty',
      REDIS_URL: 'http://wrong-scheme',
    });
    expect(sut.code).toBe(1);
    expect(sut.output).toContain('Invalid configuration (2 problems)');
    expect(sut.output).toContain('API_PORT: must be a whole number from 1 to 65535');
    expect(sut.output).toContain('REDIS_URL: must be a URL starting with redis:// or rediss://');
  });

  it('migrates its database, starts, serves /health/live and /v1, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const adminKey = `ct_${randomUUID()}`;
    const sut = startChild(process.execPath, [MAIN], {
      ...process.env,
      API_PORT: String(port),
      DATABASE_URL: db.url,
      BULLMQ_PREFIX: prefix,
      CT_BOOTSTRAP_ADMIN_KEY: adminKey,
    });
    try {
      await sut.waitForOutput(`listening on http://127.0.0.1:${port}`);
      expect(sut.output()).toContain('applied migrations: InitialSchema1764288000000');
      const keys = await fetch(`http://127.0.0.1:${port}/v1/keys`, {
        headers: { Authorization: `Bearer ${adminKey}` },
      });
      expect(keys.status).toBe(200);
      const anonymous = await fetch(`http://127.0.0.1:${port}/v1/jobs`);
      expect(await anonymous.json()).toMatchObject({ code: 'unauthenticated' });
      const res = await waitFor('GET /health/live', async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health/live`);
        return response.ok ? response.json() : undefined;
      });
      expect(res).toMatchObject({ status: 'live' });
    } finally {
      const ended = await sut.stop('SIGTERM');
      expect(ended).toEqual({ code: 0, signal: null });
      expect(sut.output()).toContain('ct api stopping on SIGTERM');
      expect(sut.output()).toContain('ct api stopped');
    }
  });
});
