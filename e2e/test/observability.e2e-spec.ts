import { randomUUID } from 'node:crypto';
import type { Job, SubmitJobInput } from '@ct/shared';
import { freePort, scrape } from '@ct/test-support';
import { client, type Stack, startStack } from './stack.js';

const RIDGE: SubmitJobInput['spec'] = {
  pipeline: 'obs-ridge',
  task: 'regression',
  data: { source: 'sklearn', name: 'diabetes' },
  model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 0.5 } },
};

function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('observability end to end: /metrics of the api and the worker, request and job ids in the logs', () => {
  let stack: Stack;
  let workerMetrics: string;

  beforeAll(async () => {
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    stack = await startStack({ workerEnv: { WORKER_METRICS_PORT: String(port) } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('counts a succeeded and a failed job on both sides, and every log line is JSON with its ids', async () => {
    const api = client(stack);
    const requestId = `e2e-${randomUUID()}`;
    const submitted = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.adminKey}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({ spec: RIDGE }),
    });
    expect(submitted.status).toBe(201);
    expect(submitted.headers.get('x-request-id')).toBe(requestId);
    const good = (await submitted.json()) as Job;
    const bad = await api.submit({ spec: { ...RIDGE, pipeline: 'obs-bad' }, params: { no_such_param: 1 } });

    expect(await api.untilState(good.id, ['succeeded', 'failed', 'cancelled'])).toMatchObject({
      state: 'succeeded',
    });
    expect(await api.untilState(bad.id, ['succeeded', 'failed', 'cancelled'])).toMatchObject({
      state: 'failed',
      failureReason: 'invalid_input',
    });
    await api.call('GET', `/v1/jobs/${good.id}`);

    const worker = await scrape(workerMetrics);
    expect(worker.value('ct_jobs_completed_total', { team: 'platform', pipeline: 'obs-ridge' })).toBe(1);
    expect(worker.count('ct_job_duration_seconds', { pipeline: 'obs-ridge', outcome: 'succeeded' })).toBe(1);
    expect(
      worker.value('ct_jobs_failed_total', {
        team: 'platform',
        pipeline: 'obs-bad',
        reason: 'invalid_input',
      }),
    ).toBe(1);
    expect(worker.value('ct_worker_running_jobs')).toBe(0);

    const apiSide = await scrape(`${stack.apiUrl}/metrics`);
    expect(apiSide.value('ct_jobs_submitted_total', { team: 'platform', pipeline: 'obs-ridge' })).toBe(1);
    expect(apiSide.value('ct_jobs_submitted_total', { team: 'platform', pipeline: 'obs-bad' })).toBe(1);
    const http = 'ct_http_request_duration_seconds';
    expect(apiSide.count(http, { method: 'POST', route: '/v1/jobs', status: '201' })).toBe(2);
    expect(
      apiSide.count(http, { method: 'GET', route: '/v1/jobs/:id', status: '200' }),
    ).toBeGreaterThanOrEqual(1);

    const apiLines = jsonLines(stack.api.output());
    const ofRequest = apiLines.filter((line) => line.requestId === requestId);
    expect(ofRequest).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'request completed', route: '/v1/jobs', status: 201 }),
    );
    expect(stack.api.output()).not.toContain(stack.adminKey);

    const workerLines = jsonLines(stack.workers[0]?.output() ?? '');
    for (const job of [good, bad]) {
      const own = workerLines.filter((line) => line.context === `job ${job.id}`);
      expect(own.length).toBeGreaterThanOrEqual(4);
      for (const line of own) expect(line).toMatchObject({ jobId: job.id });
      expect(own).toContainEqual(
        expect.objectContaining({
          msg: expect.stringMatching(
            /^pipeline started as process \d+ \((forked from the warm pool|cold start)\)$/,
          ),
          attempt: 1,
        }),
      );
    }
  });
});
