import { fileURLToPath } from 'node:url';
import type { Pipeline, TriggerPage } from '@ct/shared';
import { docBlocks, runToEnd } from '@ct/test-support';
import { client, type Stack, startStack } from './stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// runs doc blocks: docs/api.md "## Registered pipelines and triggers" all
/** The bash blocks of the section, in order. */
const blocks = () => docBlocks(ROOT, 'docs/api.md', '## Registered pipelines and triggers');

/** Runs a documented block from the checkout's root, as a reader would. */
function run(stack: Stack, block: string) {
  return runToEnd('bash', ['-euo', 'pipefail', '-c', `cd ${JSON.stringify(ROOT)}\n${block}`], {
    PATH: process.env.PATH,
    API: stack.apiUrl,
    ADMIN_KEY: stack.adminKey,
    CT_API_URL: stack.apiUrl,
    CT_API_KEY: stack.adminKey,
  });
}

describe("docs/api.md's Registered pipelines and triggers commands (the built api; no worker, so runs stay queued)", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workers: 0 });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('has a curl block and a ct block', () => {
    expect(blocks()).toHaveLength(2);
  });

  it('runs the curl block as written: register, arrivals below and over the threshold, a suppressed crossing, a new version', async () => {
    const sut = await run(stack, blocks()[0] ?? '');
    expect(sut.output).not.toMatch(/curl: \(\d+\)/);
    expect(sut.code).toBe(0);
    const api = client(stack);
    const churn = (await api.call('GET', '/v1/pipelines/churn')).body as Pipeline;
    expect(churn).toMatchObject({
      enabled: true,
      schedule: { cron: '30 2 * * *', timezone: 'Europe/Paris' },
      latestVersion: { version: 2 },
      promotion: { policy: 'manual' },
      newData: { minNewRows: 1000, rowsSinceLastRun: 1500 },
      lastRun: { state: 'queued', trigger: 'new_data', pipelineVersion: 1 },
    });
    const triggers = (await api.call('GET', '/v1/pipelines/churn/triggers')).body as TriggerPage;
    expect(triggers.items.map((r) => [r.kind, r.outcome, r.reason])).toEqual([
      ['new_data', 'suppressed', 'run_in_progress'],
      ['new_data', 'started', null],
    ]);
  });

  it('runs the ct block as written: show prints the next scheduled time and the trigger records', async () => {
    const sut = await run(stack, blocks()[1] ?? '');
    expect(sut.code).toBe(0);
    expect(sut.output).toMatch(/diabetes-lgbm/);
    expect(sut.output).toMatch(/next run/i);
    expect(sut.output).toMatch(/200 of 500|200\/500/);
    expect(sut.output).toMatch(/manual\s+started/);
    const pipeline = (await client(stack).call('GET', '/v1/pipelines/diabetes-lgbm')).body as Pipeline;
    expect(pipeline).toMatchObject({ enabled: false, schedule: { cron: '0 3 * * *', timezone: 'UTC' } });
  });
});
