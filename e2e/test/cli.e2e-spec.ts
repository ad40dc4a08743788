import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Job, PIPELINE_STEPS, type SubmitJobInput } from '@ct/shared';
import { runToEnd, waitFor } from '@ct/test-support';
import { client, type Stack, startStack } from './stack.js';

const CLI_MAIN = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
const TEAM = `cli-${randomUUID().slice(0, 6)}`;
const PIPELINE = `cli-ridge-${randomUUID().slice(0, 6)}`;
const MODEL = `${TEAM}.${PIPELINE}`;

function ridge(alpha: number, policy: 'auto' | 'manual', extra: Partial<SubmitJobInput['spec']> = {}) {
  return {
    pipeline: PIPELINE,
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha } },
    metrics: { primary: 'rmse' },
    promotion: { policy },
    ...extra,
  };
}

describe('the ct CLI against the built api and worker', () => {
  let stack: Stack;
  let dir: string;
  const keys: Record<string, string> = {};

  /** Runs `ct` as a separate process, as a user would, with the given role's key. */
  const ct = (role: string, ...args: string[]) =>
    runToEnd(process.execPath, [CLI_MAIN, ...args], {
      ...process.env,
      CT_API_URL: stack.apiUrl,
      CT_API_KEY: keys[role] ?? '',
    });
  const jobFile = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(join(tmpdir(), 'ct-cli-e2e-'));
    for (const role of ['submitter', 'approver']) {
      const res = await client(stack).call('POST', '/v1/keys', { team: TEAM, role, name: role });
      keys[role] = (res.body as { key: string }).key;
    }
    keys.admin = stack.adminKey;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('submits and watches a job to success: every step in order, the outcome, exit 0', async () => {
    // A bare spec is accepted as well as a submission.
    const { code, output } = await ct(
      'submitter',
      'submit',
      jobFile('first.json', ridge(200, 'auto')),
      '--watch',
    );
    expect(code).toBe(0);
    const started = PIPELINE_STEPS.map((step) => output.indexOf(`step ${step} started`));
    expect(started.every((at) => at >= 0)).toBe(true);
    expect([...started].sort((a, b) => a - b)).toEqual(started);
    expect(output).toMatch(/step promotion ok in \d+\.\ds/);
    expect(output).toMatch(/job [0-9a-f-]{36} succeeded in \d+\.\ds/);
    expect(output).toContain(`model ${MODEL} version 1: promote (alias champion)`);
    expect(output).toMatch(/metrics: .*rmse=\d/);
  });

  it('watches a job submitted earlier, and an approver approves its challenger', async () => {
    const submitted = await ct(
      'submitter',
      'submit',
      jobFile('better.json', { spec: ridge(50, 'manual') }),
      '--json',
    );
    expect(submitted.code).toBe(0);
    const job = JSON.parse(submitted.output) as Job;
    expect(job.state).toBe('queued');

    const watched = await ct('submitter', 'watch', job.id, '--json');
    expect(watched.code).toBe(0);
    const lines = watched.output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.kind === 'event').length).toBeGreaterThanOrEqual(
      2 * PIPELINE_STEPS.length,
    );
    expect(lines.at(-1)).toMatchObject({
      kind: 'job',
      job: { id: job.id, state: 'succeeded', modelVersion: '2' },
    });

    const refused = await ct('submitter', 'approve', MODEL, '2');
    expect(refused.code).toBe(3);
    expect(refused.output).toContain('403 forbidden');
    const approved = await ct('approver', 'approve', MODEL, '2', '--reason', 'better rmse');
    expect(approved.code).toBe(0);
    expect(approved.output).toContain(`model ${MODEL}  (champion -> 2)`);

    const models = await ct('approver', 'models', MODEL, '--json');
    expect(JSON.parse(models.output)).toMatchObject({ name: MODEL, aliases: { champion: '2' } });
  });

  it('exits non-zero when the watched job fails, and says why', async () => {
    const spec = ridge(1, 'auto', { validation: { min_rows: { rows: 100_000, severity: 'error' } } });
    const { code, output } = await ct('submitter', 'submit', jobFile('bad.json', { spec }), '--watch');
    expect(code).toBe(1);
    expect(output).toMatch(/step validation failed in/);
    expect(output).toMatch(/job [0-9a-f-]{36} failed in \d+\.\ds \(data_error: /);
  });

  it('lists jobs, queues and workers, and explains where a job stands', async () => {
    const jobs = await ct('submitter', 'jobs', '--state', 'succeeded', '--json');
    expect(jobs.code).toBe(0);
    const page = JSON.parse(jobs.output) as { items: Job[] };
    expect(page.items.map((job) => job.state)).toEqual(['succeeded', 'succeeded']);

    const table = await ct('submitter', 'jobs');
    expect(table.output.split('\n')[0]).toMatch(/^ID +PIPELINE +STATE +STEP +ATTEMPTS +AGE +FAILURE$/);
    expect(table.output).toContain('data_error');

    const position = await ct('submitter', 'position', page.items[0]?.id ?? '');
    expect(position.output).toMatch(/succeeded: finished: /);

    const queues = await ct('submitter', 'queues');
    expect(queues.output).toMatch(/^ct-training +no +0 +0 +0 +\d+ +1 +/m);

    // The worker publishes its record as soon as a job ends there, just after the job's final state is written.
    const workers = await waitFor(
      'the worker listed with its slot free',
      async () => {
        const listed = JSON.parse((await ct('submitter', 'workers', '--json')).output) as {
          items: Array<{ pid: number; concurrency: number; busySlots: number }>;
        };
        return listed.items[0]?.busySlots === 0 ? listed : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(workers).toMatchObject({
      items: [{ pid: stack.workers[0]?.process.pid, concurrency: 1, busySlots: 0 }],
    });
  });

  it('refuses bad usage with exit 2 and API errors with exit 3, with a message', async () => {
    const usage = await ct('submitter', 'watch');
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('usage: ct watch <job-id>');
    const unknown = await ct('submitter', 'jobs', '--state', 'sleeping');
    expect(unknown.code).toBe(2);
    const missing = await ct('submitter', 'watch', randomUUID());
    expect(missing.code).toBe(3);
    expect(missing.output).toMatch(/404 not_found/);
    const anonymous = await runToEnd(process.execPath, [CLI_MAIN, 'jobs'], {
      ...process.env,
      CT_API_URL: stack.apiUrl,
      CT_API_KEY: '',
    });
    expect(anonymous.code).toBe(3);
    expect(anonymous.output).toContain('401 unauthenticated');
    const nowhere = await runToEnd(process.execPath, [CLI_MAIN, 'queues'], {
      ...process.env,
      CT_API_URL: 'http://127.0.0.1:9',
    });
    expect(nowhere.code).toBe(3);
  });
});
