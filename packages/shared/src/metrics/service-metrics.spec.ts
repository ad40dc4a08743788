import { counter, gauge, histogram, ServiceMetrics } from './service-metrics.js';

class Example extends ServiceMetrics {
  readonly metrics = this.inRegistry({
    jobs: counter({ name: 'ex_jobs_total', help: 'Jobs', labelNames: ['team'] }),
    depth: gauge({ name: 'ex_depth', help: 'Depth read at scrape time', collect: () => this.readDepth() }),
    took: histogram({ name: 'ex_seconds', help: 'Time taken', buckets: [1, 10] }),
  });
  depth = 0;

  constructor() {
    super('ex_');
  }

  private readDepth(): void {
    this.metrics.depth.set(this.depth);
  }
}

describe('ServiceMetrics', () => {
  it("makes a table's metrics in the service's registry, by the table's keys", async () => {
    const sut = new Example();
    sut.metrics.jobs.inc({ team: 'a' });
    sut.metrics.took.observe(5);
    sut.depth = 7;
    const text = await sut.exposition();
    expect(text).toContain('# HELP ex_jobs_total Jobs');
    expect(text).toContain('ex_jobs_total{team="a"} 1');
    expect(text).toContain('ex_seconds_bucket{le="1"} 0');
    expect(text).toContain('ex_seconds_bucket{le="10"} 1');
    expect(text).toContain('ex_depth 7');
  });

  it("keeps a registry of each service's own, with the process metrics under its prefix", async () => {
    const [a, b] = [new Example(), new Example()];
    a.metrics.jobs.inc({ team: 'a' });
    expect(await b.exposition()).not.toContain('ex_jobs_total{');
    expect(await a.exposition()).toContain('# TYPE ex_process_cpu_user_seconds_total counter');
  });
});
