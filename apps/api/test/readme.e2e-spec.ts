import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { docBlocks, runToEnd } from '@ct/test-support';
import { startTestApi, type TestApi } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

// runs doc blocks: docs/api.md "## Jobs API" 1
// runs doc blocks: docs/monitoring.md "## Monitoring" 1
// runs doc blocks: docs/pipeline-spec.md "## CT pipeline" 1
/** The first bash block of `heading`'s section in `file`. */
function firstBlockUnder(file: string, heading: string): string {
  const [block] = docBlocks(ROOT, file, heading);
  if (!block) throw new Error(`${file} has no bash block under "${heading}"`);
  return block;
}

describe('the Jobs API and Monitoring commands of docs/api.md and docs/monitoring.md (real Postgres and Redis)', () => {
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
    const sut = await runToEnd(
      'bash',
      ['-euo', 'pipefail', '-c', firstBlockUnder('docs/api.md', '## Jobs API')],
      {
        PATH: process.env.PATH,
        API: `http://127.0.0.1:${port}`,
        ADMIN_KEY: api.adminKey,
      },
    );
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
    const sut = await runToEnd(
      'bash',
      ['-euo', 'pipefail', '-c', firstBlockUnder('docs/monitoring.md', '## Monitoring')],
      {
        PATH: process.env.PATH,
        API: `http://127.0.0.1:${port}`,
        ADMIN_KEY: api.adminKey,
      },
    );
    expect(sut.output).not.toMatch(/curl: \(\d+\)/);
    expect(sut.code).toBe(0);
    expect(sut.output).toContain('"name":"ct-training","paused":true');
    expect(sut.output).toContain('"removed":{"completed":0,"failed":0}');
    expect(sut.output).toMatch(/^ct_queue_jobs\{queue="ct-training",state="prioritized"\} [1-9]\d*$/m);
  });

  it('run the model decisions of docs/pipeline-spec.md as written: approve, reject, promote', async () => {
    const port = (api.app.getHttpServer().address() as AddressInfo).port;
    const model = 'data-science.diabetes-ridge';
    const registry = new RegistryFixture(api.config.mlflowTrackingUri);
    await registry.delete(model);
    try {
      await registry.model(model, [{}, {}, {}]);
      await registry.alias(model, 'champion', '1');
      await registry.alias(model, 'challenger', '3');
      const viewer = await api.key('data-science', 'viewer');
      const sut = await runToEnd(
        'bash',
        ['-euo', 'pipefail', '-c', firstBlockUnder('docs/pipeline-spec.md', '## CT pipeline')],
        {
          PATH: process.env.PATH,
          API: `http://127.0.0.1:${port}`,
          AUTH: `Authorization: Bearer ${viewer}`,
          APPROVER_KEY: await api.key('data-science', 'approver'),
        },
      );
      expect(sut.output).not.toMatch(/curl: \(\d+\)/);
      expect(sut.code).toBe(0);
      // Approved (3 champion, no challenger), 2 rejected, then rolled back to 1.
      expect(await registry.aliases(model)).toEqual({ champion: '1' });
      expect(sut.output).toContain('"action":"rejected"');
      expect(sut.output).toContain('"reason":"worse on the March data"');
    } finally {
      await registry.delete(model);
    }
  });
});
