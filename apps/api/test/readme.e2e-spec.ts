import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { docBlocks, runToEnd } from '@ct/test-support';
import { startTestApi, type TestApi } from './harness.js';
import { RegistryFixture } from './mlflow-registry.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

// runs doc blocks: docs/api.md "## Jobs API" 1
// runs doc blocks: docs/monitoring.md "## Monitoring" 1
// runs doc blocks: docs/pipeline-spec.md "## CT pipeline" 1
/** Runs the first bash block of `heading`'s section in `file` against `api`, with `env` besides PATH and API. */
function runFirstBlock(api: TestApi, file: string, heading: string, env: Record<string, string>) {
  const [block] = docBlocks(ROOT, file, heading);
  if (!block) throw new Error(`${file} has no bash block under "${heading}"`);
  const port = (api.app.getHttpServer().address() as AddressInfo).port;
  return runToEnd('bash', ['-euo', 'pipefail', '-c', block], {
    PATH: process.env.PATH,
    API: `http://127.0.0.1:${port}`,
    ...env,
  });
}

describe('the API commands of docs/api.md, docs/monitoring.md and docs/pipeline-spec.md (real Postgres, Redis and MLflow registry)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    await api.app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await api.close();
  });

  it('run as written against the API, every curl succeeding', async () => {
    const sut = await runFirstBlock(api, 'docs/api.md', '## Jobs API', { ADMIN_KEY: api.adminKey });
    expect(sut.output).not.toMatch(/curl: \(\d+\)/);
    expect(sut.code).toBe(0);
    expect(sut.output).toContain('"state":"cancelled"');
    expect(sut.output).toMatch(/event: state\ndata: \{[^\n]*"state":"cancelled"/);
    expect(sut.output).toContain('"state":"queued"');
    const jobs = await api.jobs.list(null, { limit: 10 });
    expect(jobs.items).toEqual([expect.objectContaining({ team: 'data-science', state: 'queued' })]);
  });

  it('run the Monitoring block as written: queues, jobs by state, workers, the admin actions and /metrics', async () => {
    await api.submit(api.adminKey);
    const sut = await runFirstBlock(api, 'docs/monitoring.md', '## Monitoring', { ADMIN_KEY: api.adminKey });
    expect(sut.output).not.toMatch(/curl: \(\d+\)/);
    expect(sut.code).toBe(0);
    expect(sut.output).toContain('"name":"ct-training","paused":true');
    expect(sut.output).toContain('"removed":{"completed":0,"failed":0}');
    expect(sut.output).toMatch(/^ct_queue_jobs\{queue="ct-training",state="prioritized"\} [1-9]\d*$/m);
  });

  it('run the model decisions of docs/pipeline-spec.md as written: approve, reject, promote', async () => {
    const model = 'data-science.diabetes-ridge';
    const registry = new RegistryFixture(api.config.mlflowTrackingUri);
    await registry.delete(model);
    try {
      await registry.model(model, [{}, {}, {}]);
      await registry.alias(model, 'champion', '1');
      await registry.alias(model, 'challenger', '3');
      const viewer = await api.key('data-science', 'viewer');
      const sut = await runFirstBlock(api, 'docs/pipeline-spec.md', '## CT pipeline', {
        AUTH: `Authorization: Bearer ${viewer}`,
        APPROVER_KEY: await api.key('data-science', 'approver'),
      });
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
