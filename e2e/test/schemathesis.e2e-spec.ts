import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToEnd } from '@ct/test-support';
import { client, DIABETES_LGBM, type Stack, startStack } from './stack.js';

const PIPELINE_DIR = fileURLToPath(new URL('../../pipeline', import.meta.url));
const OPENAPI = fileURLToPath(new URL('../../apps/api/openapi.json', import.meta.url));
const CONFIG = fileURLToPath(new URL('../schemathesis/schemathesis.toml', import.meta.url));

/** One answer Schemathesis got, from its NDJSON report. */
interface Answer {
  operation: string;
  status: number;
}

/**
 * The machine's Python 3.11 by its real path: uv rebuilds pipeline/.venv when asked for the same
 * interpreter through a pyenv shim, under the feet of anything else using it.
 */
function machinePython(): string {
  const python = process.env.UV_PYTHON ?? 'python3.11';
  return execFileSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

async function answersOf(reportDir: string): Promise<Answer[]> {
  const [file] = (await readdir(reportDir)).filter((name) => name.endsWith('.ndjson'));
  if (!file) throw new Error(`no NDJSON report in ${reportDir}`);
  const answers: Answer[] = [];
  for (const line of (await readFile(join(reportDir, file), 'utf8')).split('\n')) {
    if (!line.includes('"ScenarioFinished"')) continue;
    const { recorder } = JSON.parse(line).ScenarioFinished as {
      recorder: { label: string; interactions?: Record<string, { response?: { status_code: number } }> };
    };
    // A skipped scenario records no interactions.
    for (const interaction of Object.values(recorder.interactions ?? {}))
      if (interaction.response)
        answers.push({ operation: recorder.label, status: interaction.response.status_code });
  }
  return answers;
}

function tally(answers: Answer[], key: (answer: Answer) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[key(answer)] = (counts[key(answer)] ?? 0) + 1;
  return counts;
}

/**
 * Schemathesis (PyPI, pinned in the pipeline's dev group) against the built API and the committed OpenAPI
 * document, with no worker: no answer is a 5xx and every answer conforms to the document (see
 * e2e/schemathesis/schemathesis.toml for the checks and bounds).
 */
describe('the live API against its OpenAPI document (Schemathesis)', () => {
  let stack: Stack;
  let reportDir: string;

  beforeAll(async () => {
    stack = await startStack({ workers: 0 });
    reportDir = await mkdtemp(join(tmpdir(), 'ct-schemathesis-'));
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  });

  it('answers no 5xx and nothing the document does not describe', async () => {
    // A finished job with stored events: the routes that read one job are pinned to it.
    const api = client(stack);
    const job = await api.submit({ spec: { ...DIABETES_LGBM, pipeline: 'fuzzed' } });
    expect((await api.cancel(job.id)).status).toBe(200);

    const started = Date.now();
    const run = await runToEnd(
      'uv',
      [
        'run',
        '--frozen',
        '--project',
        PIPELINE_DIR,
        'schemathesis',
        '--no-color',
        '--config-file',
        CONFIG,
        'run',
        OPENAPI,
        '--report',
        'ndjson',
        '--report-dir',
        reportDir,
      ],
      {
        ...process.env,
        UV_PYTHON: machinePython(),
        UV_PYTHON_DOWNLOADS: 'never',
        // Hypothesis keeps a folder of its own (Unicode tables, constants): not in the checkout.
        HYPOTHESIS_STORAGE_DIRECTORY: join(reportDir, 'hypothesis'),
        CT_API_URL: stack.apiUrl,
        CT_API_KEY: stack.adminKey,
        CT_JOB_ID: job.id,
      },
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    const summary = run.output.slice(run.output.lastIndexOf('SUMMARY'));
    const answers = await answersOf(reportDir);
    const byClass = tally(answers, (answer) => `${String(answer.status).charAt(0)}xx`);
    console.log(
      `schemathesis: exit ${run.code} after ${seconds} s, ${answers.length} answers ${JSON.stringify(byClass)}\n${summary}`,
    );

    expect({ exit: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ exit: 0, output: '' });
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    // The run reached the API's logic, the event stream's 200 included, not only its validation.
    const byRoute = tally(answers, (answer) => `${answer.operation} ${answer.status}`);
    expect(byRoute).toMatchObject({
      'GET /v1/jobs/{id}/events 200': expect.any(Number),
      'GET /v1/jobs/{id} 200': expect.any(Number),
      'POST /v1/keys 201': expect.any(Number),
    });
  }, 180_000);
});
