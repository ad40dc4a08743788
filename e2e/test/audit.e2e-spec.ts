import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIPELINE_STEPS, type SubmitJobInput } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { client, type Stack, startStack } from './stack.js';

/** One event of the audit trail as the file transport wrote it: IRIS's severity and the event's message. */
interface AuditLine {
  severity: number;
  event: string;
  fields: Record<string, unknown>;
}

// irislogd's level names of IRIS's console-log severities.
const SEVERITY_OF_LEVEL: Record<string, number> = { INFO: 0, WARNING: 1, SEVERE: 2 };

/** The file's lines in irislogd's shape; the `text` of each is the event's one line of JSON. */
async function readAudit(file: string): Promise<AuditLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const record = JSON.parse(line) as { level: string; event: string; text: string };
      expect(record.event).toBe('Utility.Event');
      const { event, ...fields } = JSON.parse(record.text) as { event: string } & Record<string, unknown>;
      return { severity: SEVERITY_OF_LEVEL[record.level] ?? -1, event, fields };
    });
}

const PIPELINE = `audit-${randomUUID().slice(0, 6)}`;

function ridge(pipeline: string, validation: Record<string, unknown>): SubmitJobInput {
  return {
    spec: {
      pipeline,
      task: 'regression',
      data: { source: 'sklearn', name: 'diabetes' },
      model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 1 } },
      metrics: { primary: 'rmse' },
      validation,
    } as SubmitJobInput['spec'],
  };
}

/** `event` or `event:step`, with IRIS's severity. */
const named = (line: AuditLine) => {
  const step = line.fields.step;
  return [line.event.startsWith('pipeline.step.') ? `${line.event}:${step}` : line.event, line.severity];
};

describe('the audit trail of a pipeline job (file transport)', () => {
  let dir: string;
  let stack: Stack;
  let apiFile: string;
  let workerFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ct-audit-'));
    apiFile = join(dir, 'api.jsonl');
    workerFile = join(dir, 'worker.jsonl');
    stack = await startStack({ apiEnv: { AUDIT_FILE: apiFile }, workerEnv: { AUDIT_FILE: workerFile } });
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const eventsOf = async (file: string, jobId: string, last: string) =>
    waitFor(
      `the audit trail of job ${jobId} up to ${last}`,
      async () => {
        const lines = (await readAudit(file)).filter((line) => line.fields.jobId === jobId);
        return lines.some((line) => line.event === last) ? lines : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );

  it('records the submission, every step, a validation warning, the decision and the promotion', async () => {
    const api = client(stack);
    // Any share of IQR outliers is too many: the warning fires on diabetes, and the job goes on.
    const submitted = await api.submit(
      ridge(PIPELINE, { iqr_outliers: { max_share: 0, severity: 'warning' } }),
    );
    const job = await api.untilState(submitted.id, ['succeeded', 'failed', 'cancelled']);
    expect(job.state).toBe('succeeded');

    const [submission] = await eventsOf(apiFile, job.id, 'job.submitted');
    expect(submission).toMatchObject({
      severity: 0,
      event: 'job.submitted',
      fields: { team: 'platform', pipeline: PIPELINE, trigger: 'manual', source: 'api' },
    });
    expect(submission?.fields.priority).toEqual(expect.any(Number));

    const trail = await eventsOf(workerFile, job.id, 'job.succeeded');
    const steps = PIPELINE_STEPS.flatMap((step) => [
      [`pipeline.step.started:${step}`, 0],
      ...(step === 'validation' ? [['data.validation.warning', 1]] : []),
      [`pipeline.step.finished:${step}`, 0],
    ]);
    expect(trail.map(named)).toEqual([
      ['job.started', 0],
      ...steps,
      ['model.validation.decision', 0],
      ['model.registered', 0],
      ['model.promoted', 0],
      ['job.succeeded', 0],
    ]);
    const byEvent = new Map(trail.map((line) => [line.event, line.fields]));
    expect(byEvent.get('job.started')).toMatchObject({ team: 'platform', pipeline: PIPELINE, attempt: 1 });
    expect(byEvent.get('data.validation.warning')).toMatchObject({ rule: 'iqr_outliers', max_share: 0 });
    expect(byEvent.get('model.validation.decision')).toMatchObject({ outcome: 'promote', metric: 'rmse' });
    expect(byEvent.get('model.promoted')).toMatchObject({
      version: '1',
      alias: 'champion',
      source: 'worker',
    });
    const evaluation = trail.find(
      (line) => line.event === 'pipeline.step.finished' && line.fields.step === 'evaluation',
    );
    expect(evaluation?.fields).toMatchObject({ status: 'ok', durationMs: expect.any(Number) });
    expect(evaluation?.fields['metric.rmse']).toEqual(expect.any(Number));
  });

  it('records a failed job as severe, with the error-level finding that stopped it', async () => {
    const api = client(stack);
    const submitted = await api.submit(
      ridge(`${PIPELINE}-bad`, { min_rows: { rows: 100_000, severity: 'error' } }),
    );
    const job = await api.untilState(submitted.id, ['succeeded', 'failed', 'cancelled']);
    expect(job).toMatchObject({ state: 'failed', failureReason: 'data_error' });

    const trail = await eventsOf(workerFile, job.id, 'job.failed');
    expect(trail.map(named)).toEqual([
      ['job.started', 0],
      ['pipeline.step.started:extraction', 0],
      ['pipeline.step.finished:extraction', 0],
      ['pipeline.step.started:validation', 0],
      ['data.validation.error', 2],
      ['pipeline.step.finished:validation', 1],
      ['job.failed', 2],
    ]);
    expect(trail.find((line) => line.event === 'data.validation.error')?.fields).toMatchObject({
      rule: 'min_rows',
      rows: 442,
      min_rows: 100_000,
    });
    expect(trail.at(-1)?.fields).toMatchObject({ failureReason: 'data_error', step: 'validation' });
  });

  it('records a refused call without the key that was sent', async () => {
    const secret = `ct_wrong_${randomUUID()}`;
    const refused = await client(stack, secret).call('GET', '/v1/jobs?state=queued');
    expect(refused.status).toBe(401);

    const [failure] = await waitFor(
      'the auth.failed audit event',
      async () => {
        const lines = (await readAudit(apiFile)).filter((line) => line.event === 'auth.failed');
        return lines.length > 0 ? lines : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(failure).toMatchObject({
      severity: 1,
      fields: { reason: 'invalid_key', method: 'bearer', httpMethod: 'GET', path: '/v1/jobs' },
    });
    expect(await readFile(apiFile, 'utf8')).not.toContain(secret);
  });
});
