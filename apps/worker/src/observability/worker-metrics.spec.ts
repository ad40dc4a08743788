import { type JobEnd, WorkerMetrics } from './worker-metrics.js';

async function valuesOf(sut: WorkerMetrics, name: string) {
  const metric = (await sut.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((value) => value.value > 0)
    .map(({ labels, value }) => ({ labels, value }));
}

describe('WorkerMetrics', () => {
  const job = { team: 'team-a', pipeline: 'churn' };

  it.each([
    ['succeeded', null, 'ct_jobs_completed_total', { team: 'team-a', pipeline: 'churn' }],
    [
      'failed',
      'data_error',
      'ct_jobs_failed_total',
      { team: 'team-a', pipeline: 'churn', reason: 'data_error' },
    ],
    ['cancelled', 'cancelled', 'ct_jobs_cancelled_total', { team: 'team-a', pipeline: 'churn' }],
    [
      'queued',
      'infrastructure',
      'ct_job_retries_total',
      { team: 'team-a', pipeline: 'churn', reason: 'infrastructure' },
    ],
  ] as const)('counts a job that ended %s in %s', async (state: JobEnd, reason, counter, labels) => {
    const sut = new WorkerMetrics();
    sut.jobFinished(job, state, reason);
    expect(await valuesOf(sut, counter)).toEqual([{ labels, value: 1 }]);
    const others = [
      'ct_jobs_completed_total',
      'ct_jobs_failed_total',
      'ct_jobs_cancelled_total',
      'ct_job_retries_total',
    ];
    for (const other of others.filter((name) => name !== counter))
      expect(await valuesOf(sut, other)).toEqual([]);
  });

  it('times attempts by pipeline and outcome in buckets from seconds to a day', async () => {
    const sut = new WorkerMetrics();
    sut.attemptFinished(job, 'succeeded', 42);
    sut.attemptFinished(job, 'retrying', 3 * 3600);
    const text = await sut.exposition();
    expect(text).toContain('ct_job_duration_seconds_bucket{le="60",pipeline="churn",outcome="succeeded"} 1');
    expect(text).toContain('ct_job_duration_seconds_bucket{le="30",pipeline="churn",outcome="succeeded"} 0');
    expect(text).toContain(
      'ct_job_duration_seconds_bucket{le="14400",pipeline="churn",outcome="retrying"} 1',
    );
    expect(text).toContain(
      'ct_job_duration_seconds_bucket{le="86400",pipeline="churn",outcome="retrying"} 1',
    );
  });

  it('gauges the attempts running now', async () => {
    const sut = new WorkerMetrics();
    sut.attemptStarted();
    sut.attemptStarted();
    sut.attemptEnded();
    expect(await valuesOf(sut, 'ct_worker_running_jobs')).toEqual([{ labels: {}, value: 1 }]);
  });

  it('keeps its own registry and prefixes the process metrics', async () => {
    const [a, b] = [new WorkerMetrics(), new WorkerMetrics()];
    a.jobFinished(job, 'succeeded', null);
    expect(await valuesOf(b, 'ct_jobs_completed_total')).toEqual([]);
    expect(await a.exposition()).toContain('# TYPE ct_worker_process_cpu_user_seconds_total counter');
  });

  it('counts warm and cold starts, with the reason a run started cold', async () => {
    const sut = new WorkerMetrics();
    sut.started('warm', null);
    sut.started('warm', null);
    sut.started('cold', 'not_ready');
    expect(await valuesOf(sut, 'ct_python_pool_starts_total')).toEqual([
      { labels: { start: 'warm', reason: '' }, value: 2 },
      { labels: { start: 'cold', reason: 'not_ready' }, value: 1 },
    ]);
  });

  it("reports the warm pool's idle memory when it has a ready server, and nothing when it has none", async () => {
    const sut = new WorkerMetrics();
    let memory: { rssBytes: number; pssBytes: number } | null = { rssBytes: 300e6, pssBytes: 200e6 };
    sut.watchPoolMemory(async () => memory);
    expect(await valuesOf(sut, 'ct_python_pool_idle_member_bytes')).toEqual([
      { labels: { measure: 'rss' }, value: 300e6 },
      { labels: { measure: 'pss' }, value: 200e6 },
    ]);
    memory = null;
    expect(await valuesOf(sut, 'ct_python_pool_idle_member_bytes')).toEqual([]);
  });
});
