import { fileURLToPath } from 'node:url';
import { freePort, runToEnd, startChild, waitFor } from '@ct/test-support';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the built API process', () => {
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

  it('starts, serves /health/live, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const sut = startChild(process.execPath, [MAIN], { ...process.env, API_PORT: String(port) });
    try {
      await sut.waitForOutput(`listening on http://127.0.0.1:${port}`);
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
