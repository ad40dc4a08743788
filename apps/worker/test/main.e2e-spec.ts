import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadConfig, workerEnvSchema } from '@ct/shared/runtime';
import { freePort, runToEnd, startChild, waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the built worker process (real Redis)', () => {
  const redisUrl = loadConfig(workerEnvSchema, process.env).redisUrl;
  // A queue of its own: the worker must not pick up jobs of the local stack or of other tests.
  const BULLMQ_PREFIX = `ct-test-${randomUUID().slice(0, 8)}`;

  it('refuses to start on a bad environment, naming the variable', async () => {
    const sut = await runToEnd(process.execPath, [MAIN], {
      PATH: process.env.PATH,
      WORKER_CONCURRENCY: 'many',
    });
    expect(sut.code).toBe(1);
    expect(sut.output).toContain('WORKER_CONCURRENCY: must be a whole number from 1 to 64');
  });

  it('connects to Redis under its own client name and exits 0 on SIGTERM', async () => {
    const sut = startChild(process.execPath, [MAIN], { ...process.env, REDIS_URL: redisUrl, BULLMQ_PREFIX });
    const observer = new Redis(redisUrl);
    try {
      await sut.waitForOutput('worker ready: connected to Redis');
      await sut.waitForOutput(`consuming ct-training (prefix ${BULLMQ_PREFIX}, concurrency 1)`);
      const clientName = `name=ct-worker:${hostname()}:${sut.process.pid} `;
      await waitFor('the worker in CLIENT LIST', async () =>
        ((await observer.client('LIST')) as string).includes(clientName),
      );
      const ended = await sut.stop('SIGTERM');
      expect(ended).toEqual({ code: 0, signal: null });
      expect(sut.output()).toContain('worker stopping on SIGTERM');
      expect(sut.output()).toContain('disconnected from Redis');
      expect(sut.output()).toContain('worker stopped');
      await waitFor(
        'the worker to leave CLIENT LIST',
        async () => !((await observer.client('LIST')) as string).includes(clientName),
      );
    } finally {
      await sut.stop('SIGKILL');
      observer.disconnect();
    }
  });

  it('keeps waiting for an unreachable Redis, says so, and still stops cleanly', async () => {
    const port = await freePort();
    const sut = startChild(process.execPath, [MAIN], {
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      BULLMQ_PREFIX,
    });
    try {
      await sut.waitForOutput(`waiting for Redis at redis://127.0.0.1:${port}`);
      const ended = await sut.stop('SIGTERM');
      expect(ended).toEqual({ code: 0, signal: null });
      expect(sut.output()).toContain('worker stopped');
      expect(sut.output()).not.toContain('worker ready');
    } finally {
      await sut.stop('SIGKILL');
    }
  });
});
