import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type JobLogs, PIPELINE_STEPS } from '@ct/shared';
import { getRun, tagsOf } from './mlflow.js';
import { readEventStream } from './sse.js';
import { client, DIABETES_LGBM, PIPELINE_PYTHON, type Stack, startStack } from './stack.js';

const run = promisify(execFile);

describe('a training job end to end: HTTP → BullMQ → worker → Python → MLflow', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('trains LightGBM on diabetes, records everything in MLflow, and streams its steps', async () => {
    const api = client(stack);
    const submitted = await api.submit({ spec: DIABETES_LGBM, tags: { purpose: 'e2e' } });
    const streamed = readEventStream(`${stack.apiUrl}/v1/jobs/${submitted.id}/events`, stack.adminKey);

    const job = await api.untilState(submitted.id, ['succeeded', 'failed', 'cancelled']);
    expect(job).toMatchObject({ state: 'succeeded', attempts: 1, failureReason: null });
    expect(job.mlflowRunId).toEqual(expect.any(String));
    expect(Object.keys(job.metrics).sort()).toEqual(expect.arrayContaining(['mae', 'r2', 'rmse']));
    expect(job.metrics.rmse).toBeGreaterThan(0);

    const mlflowUri = stack.env.MLFLOW_TRACKING_URI ?? '';
    const mlflowRun = await getRun(mlflowUri, job.mlflowRunId ?? '');
    expect(mlflowRun.info.status).toBe('FINISHED');
    expect(tagsOf(mlflowRun)).toMatchObject({
      'ct.job_id': job.id,
      'ct.team': 'platform',
      'ct.attempt': '1',
    });
    const params = Object.fromEntries((mlflowRun.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ 'model.n_estimators': '50', 'model.learning_rate': '0.1' });
    const metrics = Object.fromEntries((mlflowRun.data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(metrics.rmse).toBeCloseTo(job.metrics.rmse ?? Number.NaN, 6);

    // The logged model loads back in a fresh Python and predicts one value per row.
    const { stdout } = await run(
      PIPELINE_PYTHON,
      [
        '-c',
        'import sys, mlflow; from sklearn.datasets import load_diabetes; X, _ = load_diabetes(return_X_y=True, as_frame=True); ' +
          'print(len(mlflow.pyfunc.load_model(sys.argv[1]).predict(X.head(5))))',
        job.modelUri ?? '',
      ],
      // MLflow loads skops-format models only with pickle deserialization allowed.
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: mlflowUri, MLFLOW_ALLOW_PICKLE_DESERIALIZATION: 'true' },
      },
    );
    expect(stdout.trim().split('\n').at(-1)).toBe('5');

    const events = await streamed;
    const steps = events
      .filter((event) => event.event === 'step.started' || event.event === 'step.finished')
      .map((event) => `${event.event}:${(event.data as { step: string }).step}`);
    expect(steps).toEqual(
      PIPELINE_STEPS.flatMap((step) => [`step.started:${step}`, `step.finished:${step}`]),
    );
    const states = events
      .filter((event) => event.event === 'state')
      .map((event) => (event.data as { state: string }).state);
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    expect(events.map((event) => Number(event.id))).toEqual(
      [...events.map((event) => Number(event.id))].sort((a, b) => a - b),
    );

    const logs = (await api.call('GET', `/v1/jobs/${job.id}/logs`)).body as JobLogs;
    expect(logs.size).toBeGreaterThan(0);
    expect(logs.text).toContain(job.mlflowRunId ?? 'missing run id');
    const loggedSteps = [...logs.text.matchAll(/step (\w+) (started|finished ok)/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(loggedSteps).toEqual(PIPELINE_STEPS.flatMap((step) => [`${step} started`, `${step} finished ok`]));
  });

  it('fails a job whose model param is unknown at once, as invalid_input, without retrying', async () => {
    const api = client(stack);
    const submitted = await api.submit({
      spec: { ...DIABETES_LGBM, model: { estimator: 'lightgbm.LGBMRegressor', params: { n_trees: 5 } } },
      maxAttempts: 3,
    });
    const job = await api.untilState(submitted.id, ['succeeded', 'failed', 'cancelled'], 60_000);
    expect(job).toMatchObject({ state: 'failed', failureReason: 'invalid_input', attempts: 1 });
    expect(job.failureMessage).toContain('n_trees');
    expect((await getRun(stack.env.MLFLOW_TRACKING_URI ?? '', job.mlflowRunId ?? '')).info.status).toBe(
      'FAILED',
    );
  });
});
