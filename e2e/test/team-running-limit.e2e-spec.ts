import type { SubmitJobInput } from '@ct/shared';
import { client, type Stack, startStack } from './stack.js';

const ridge = (pipeline: string): SubmitJobInput => ({
  spec: {
    pipeline,
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 0.5 } },
  },
});

describe('TEAM_MAX_RUNNING_JOBS=1 with two idle workers (real processes)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workers: 2, workerEnv: { TEAM_MAX_RUNNING_JOBS: '1' } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it("runs the team's two jobs one after the other, the second waiting without using an attempt", async () => {
    const api = client(stack);
    const [first, second] = [
      await api.submit(ridge('team-limit-a')),
      await api.submit(ridge('team-limit-b')),
    ];
    const done = await Promise.all(
      [first, second].map((job) => api.untilState(job.id, ['succeeded', 'failed'])),
    );
    expect(done.map((job) => job.state)).toEqual(['succeeded', 'succeeded']);
    // One attempt each: the starts refused while the other ran were not attempts.
    expect(done.map((job) => job.history.length)).toEqual([1, 1]);
    const [a, b] = done.map((job) => job.history[0]);
    const spans = [a, b]
      .map((attempt) => ({
        start: Date.parse(String(attempt?.startedAt)),
        end: Date.parse(String(attempt?.finishedAt)),
      }))
      .sort((x, y) => x.start - y.start);
    expect(spans[1]?.start).toBeGreaterThanOrEqual(spans[0]?.end ?? Number.POSITIVE_INFINITY);
    const logs = stack.workers.map((worker) => worker.output()).join('\n');
    expect(logs).toMatch(/team_quota: team platform already has 1 running jobs/);
  }, 180_000);
});
