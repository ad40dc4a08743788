import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, type RunningChild, Scrape, startChild } from '@ct/test-support';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the built worker’s /metrics endpoint and JSON logs (real Redis)', () => {
  const BULLMQ_PREFIX = `ct-test-${randomUUID().slice(0, 8)}`;
  let sut: RunningChild | undefined;

  afterEach(async () => {
    await sut?.stop('SIGTERM');
    sut = undefined;
  });

  function start(env: NodeJS.ProcessEnv): RunningChild {
    return startChild(process.execPath, [MAIN], { ...process.env, BULLMQ_PREFIX, ...env });
  }

  it('serves Prometheus metrics on WORKER_METRICS_PORT and logs one JSON object per line', async () => {
    const port = await freePort();
    sut = start({ WORKER_METRICS_PORT: String(port) });
    await sut.waitForOutput(`serving metrics on http://127.0.0.1:${port}/metrics`);
    await sut.waitForOutput('worker ready');

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const scrape = new Scrape(await res.text());
    expect(scrape.type('ct_worker_running_jobs')).toBe('GAUGE');
    expect(scrape.value('ct_worker_running_jobs')).toBe(0);
    expect(scrape.type('ct_jobs_completed_total')).toBe('COUNTER');
    expect(scrape.type('ct_job_duration_seconds')).toBe('HISTOGRAM');
    expect(scrape.type('ct_worker_process_resident_memory_bytes')).toBe('GAUGE');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

    const lines = sut
      .output()
      .split('\n')
      .filter((line) => line !== '');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'Worker',
        msg: expect.stringContaining('serving metrics'),
      }),
    );
    for (const line of parsed)
      expect(line).toMatchObject({ time: expect.any(String), msg: expect.any(String) });
  });

  it('runs on without the endpoint when its port is taken, and says so', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      sut = start({ WORKER_METRICS_PORT: String(port) });
      await sut.waitForOutput('worker ready');
      expect(sut.output()).toMatch(/"level":"error".*no metrics endpoint: cannot listen on 127\.0\.0\.1:\d+/);
    } finally {
      taken.close();
    }
  });

  it('serves nothing with WORKER_METRICS_PORT=0', async () => {
    sut = start({ WORKER_METRICS_PORT: '0' });
    await sut.waitForOutput('worker ready');
    expect(sut.output()).not.toContain('metrics');
  });
});
