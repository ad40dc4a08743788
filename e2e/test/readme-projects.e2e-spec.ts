import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobPage, ProjectView } from '@ct/shared';
import { runToEnd } from '@ct/test-support';
import { client, type Stack, startStack } from './stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECTION = '### Custom training code: functions and MLflow Projects';

/** The bash blocks of the README's section, in order. */
function blocks(): string[] {
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
  const start = readme.indexOf(`\n${SECTION}\n`);
  const section = readme.slice(start, readme.indexOf('\n## ', start + SECTION.length + 2));
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe("the README's custom training code commands (the built api and a worker, real MLflow)", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('pushes the example project and runs a job of it from the upload, as written', async () => {
    const [block] = blocks();
    const sut = await runToEnd('bash', ['-euo', 'pipefail', '-c', `cd ${JSON.stringify(ROOT)}\n${block}`], {
      PATH: process.env.PATH,
      CT_API_URL: stack.apiUrl,
      CT_API_KEY: stack.adminKey,
    });
    expect([sut.code, sut.code === 0 ? '' : sut.output]).toEqual([0, '']);
    expect(sut.output).toMatch(/uploaded: ridge-custom@[0-9a-f]{64}/);
    const api = client(stack);
    const project = (await api.call('GET', '/v1/projects/ridge-custom')).body as ProjectView;
    const [version] = project.versions;
    const jobs = (await api.call('GET', '/v1/jobs?pipeline=diabetes-custom')).body as JobPage;
    expect(jobs.items).toEqual([
      expect.objectContaining({
        state: 'succeeded',
        spec: expect.objectContaining({
          model: expect.objectContaining({ custom: expect.objectContaining({ project: version?.ref }) }),
        }),
      }),
    ]);
  }, 300_000);
});
