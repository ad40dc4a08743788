import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runToEnd } from '@ct/test-support';
import { startTestApi, type TestApi } from './harness.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The first bash block after the heading "## Jobs API". */
function jobsApiCommands(): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Jobs API\n'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "## Jobs API"');
  return block;
}

describe("the README's Jobs API commands (real Postgres and Redis)", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    await api.app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await api.close();
  });

  it('run as written against the API, every curl succeeding', async () => {
    const port = (api.app.getHttpServer().address() as AddressInfo).port;
    const sut = await runToEnd('bash', ['-euo', 'pipefail', '-c', jobsApiCommands()], {
      PATH: process.env.PATH,
      API: `http://127.0.0.1:${port}`,
      ADMIN_KEY: api.adminKey,
    });
    expect(sut.output).not.toMatch(/curl: \(\d+\)/);
    expect(sut.code).toBe(0);
    expect(sut.output).toContain('"state":"cancelled"');
    expect(sut.output).toMatch(/event: state\ndata: \{[^\n]*"state":"cancelled"/);
    expect(sut.output).toContain('"state":"queued"');
    const jobs = await api.jobs.list(null, { limit: 10 });
    expect(jobs.items).toEqual([expect.objectContaining({ team: 'data-science', state: 'queued' })]);
  });
});
