import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type RunningChild, startChild, waitFor } from '@ct/test-support';
import { getRun } from './mlflow.js';
import { killJobProcesses, pidsOfJob } from './processes.js';
import { client, DIABETES_LGBM, LONG_SYNTHETIC, MEDIUM_SYNTHETIC, type Stack, startStack } from './stack.js';

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

describe('job lifecycle: cancel, timeout, lost worker (real processes)', () => {
  let stack: Stack;
  const mlflowUri = () => stack.env.MLFLOW_TRACKING_URI ?? '';

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('stops a running job on cancel: state cancelled, process group gone, MLflow run KILLED', async () => {
    const api = client(stack);
    const submitted = await api.submit({ spec: LONG_SYNTHETIC });
    await waitFor(
      'the job to be training',
      async () => (await api.get(submitted.id)).progress.step === 'training',
      {
        timeoutMs: 120_000,
      },
    );
    expect(pidsOfJob(submitted.id).length).toBeGreaterThan(0);

    const cancelled = await api.cancel(submitted.id);
    expect(cancelled.status).toBe(202);
    const started = Date.now();
    const job = await api.untilState(submitted.id, [...FINISHED], 30_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(job).toMatchObject({ state: 'cancelled', failureReason: 'cancelled' });
    await waitFor('the job processes to end', () => pidsOfJob(submitted.id).length === 0, {
      timeoutMs: 10_000,
    });
    expect((await getRun(mlflowUri(), job.mlflowRunId ?? '')).info.status).toBe('KILLED');
  });

  it('fails a job that runs past its timeout with reason timeout', async () => {
    const api = client(stack);
    const submitted = await api.submit({ spec: LONG_SYNTHETIC, timeoutSeconds: 5, maxAttempts: 3 });
    const job = await api.untilState(submitted.id, [...FINISHED], 90_000);
    expect(job).toMatchObject({ state: 'failed', failureReason: 'timeout', attempts: 1 });
    await waitFor('the job processes to end', () => pidsOfJob(submitted.id).length === 0, {
      timeoutMs: 10_000,
    });
    expect((await getRun(mlflowUri(), job.mlflowRunId ?? '')).info.status).toBe('KILLED');
  });

  it('recovers a job whose worker was SIGKILLed: another worker runs it again and it succeeds', async () => {
    const api = client(stack);
    const victim = stack.workers[0] as RunningChild;
    const submitted = await api.submit({ spec: MEDIUM_SYNTHETIC, timeoutSeconds: 600 });
    await waitFor(
      'the job to be training',
      async () => (await api.get(submitted.id)).progress.step === 'training',
      {
        timeoutMs: 120_000,
      },
    );
    const firstRunId = (await api.get(submitted.id)).mlflowRunId ?? '';
    await victim.stop('SIGKILL');
    killJobProcesses(submitted.id); // the orphaned child of the dead worker
    await stack.startWorker();

    const job = await api.untilState(submitted.id, [...FINISHED], 240_000);
    expect(job).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(job.history.map((attempt) => attempt.outcome)).toEqual(['failed', 'succeeded']);
    expect(job.mlflowRunId).not.toBe(firstRunId);
    expect((await getRun(mlflowUri(), firstRunId)).info.status).toBe('FAILED');
  });
});

describe('a job submitted while MLflow is down', () => {
  let stack: Stack;
  let mlflow: RunningChild | undefined;
  let mlflowDir: string;

  afterAll(async () => {
    await stack?.stop();
    await mlflow?.stop('SIGTERM');
    rmSync(mlflowDir, { recursive: true, force: true });
  });

  it('waits without using attempts, says why, and succeeds once MLflow is back', async () => {
    const port = await freePort();
    const uri = `http://127.0.0.1:${port}`;
    mlflowDir = mkdtempSync(join(tmpdir(), 'ct-e2e-mlflow-'));
    stack = await startStack({ mlflowUri: uri });
    const api = client(stack);
    // One attempt only: an outage must not use it up.
    const submitted = await api.submit({ spec: DIABETES_LGBM, maxAttempts: 1 });

    const position = await waitFor(
      'the job to wait for MLflow',
      async () => {
        const res = await api.call('GET', `/v1/jobs/${submitted.id}/position`);
        const body = res.body as { reason?: string };
        return body.reason === 'dependency_unavailable' ? body : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(position).toMatchObject({ reason: 'dependency_unavailable' });
    expect(await api.get(submitted.id)).toMatchObject({ state: 'queued', attempts: 0 });

    mlflow = startChild(
      join(import.meta.dirname, '../../pipeline/.venv/bin/mlflow'),
      [
        'server',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--workers',
        '1',
        '--backend-store-uri',
        `sqlite:///${mlflowDir}/mlflow.db`,
        '--artifacts-destination',
        `${mlflowDir}/artifacts`,
      ],
      process.env,
    );
    await waitFor('the private MLflow server', async () => (await fetch(`${uri}/health`)).ok, {
      timeoutMs: 120_000,
    });

    const job = await api.untilState(submitted.id, [...FINISHED], 180_000);
    expect(job).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect((await getRun(uri, job.mlflowRunId ?? '')).info.status).toBe('FINISHED');
  });
});
