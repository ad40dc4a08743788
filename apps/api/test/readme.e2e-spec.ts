import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runToEnd } from '@ct/test-support';
import { startTestApi, type TestApi } from './harness.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The first bash block after the heading `heading`. */
function firstBlockUnder(heading: string): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`README.md has no bash block under "${heading}"`);
  return block;
}

describe("the README's Jobs API and Monitoring commands (real Postgres and Redis)", () => {
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
    const sut = await runToEnd('bash', ['-euo', 'pipefail', '-c', firstBlockUnder('## Jobs API')], {
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

  it('run the Monitoring block as written: queues, jobs by state, workers, the admin actions and /metrics', async () => {
    const port = (api.app.getHttpServer().address() as AddressInfo).port;
    await api.submit(api.adminKey);
    const sut = await runToEnd('bash', ['-euo', 'pipefail', '-c', firstBlockUnder('## Monitoring')], {
      PATH: process.env.PATH,
      API: `http://127.0.0.1:${port}`,
      ADMIN_KEY: api.adminKey,
    });
    expect(sut.output).not.toMatch(/curl: \(\d+\)/);
    expect(sut.code).toBe(0);
    expect(sut.output).toContain('"name":"ct-training","paused":true');
    expect(sut.output).toContain('"removed":{"completed":0,"failed":0}');
    expect(sut.output).toMatch(/^ct_queue_jobs\{queue="ct-training",state="prioritized"\} [1-9]\d*$/m);
  });
});
