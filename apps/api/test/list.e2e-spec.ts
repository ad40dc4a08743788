import { jobPageSchema } from '@ct/shared';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

describe('GET /v1/jobs (real Postgres)', () => {
  let api: TestApi;
  let key: string;
  /** Ids in submission order. */
  const submitted: string[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.key('team-a', 'submitter');
    for (let i = 0; i < 7; i += 1) {
      const pipeline = i % 2 === 0 ? 'churn' : 'fraud';
      submitted.push((await api.submit(key, submission({}, pipeline))).id);
    }
    for (const id of [submitted[1], submitted[4]])
      await api.http().post(`/v1/jobs/${id}/cancel`).set(bearer(key)).expect(200);
  });

  afterAll(async () => {
    await api.close();
  });

  async function list(query: string) {
    const res = await api.http().get(`/v1/jobs${query}`).set(bearer(key)).expect(200);
    return jobPageSchema.parse(res.body);
  }

  it('lists newest first', async () => {
    const page = await list('');
    expect(page.items.map((job) => job.id)).toEqual([...submitted].reverse());
    expect(page.nextCursor).toBeNull();
  });

  it('pages with cursors, returning every job once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...submitted].reverse());
  });

  it('filters by state and pipeline, and both', async () => {
    expect((await list('?state=cancelled')).items.map((job) => job.id).sort()).toEqual(
      [submitted[1], submitted[4]].sort(),
    );
    const churn = await list('?pipeline=churn');
    expect(churn.items.map((job) => job.pipeline)).toEqual(['churn', 'churn', 'churn', 'churn']);
    const queuedFraud = await list('?pipeline=fraud&state=queued');
    expect(queuedFraud.items.map((job) => job.id)).toEqual([submitted[5], submitted[3]]);
    expect((await list('?state=running')).items).toEqual([]);
  });

  it('filters by creation time', async () => {
    const all = (await list('')).items;
    const middle = all[3];
    if (!middle) throw new Error('expected 7 jobs');
    const after = await list(`?createdAfter=${encodeURIComponent(middle.createdAt)}`);
    expect(after.items.every((job) => job.createdAt >= middle.createdAt)).toBe(true);
    const before = await list(`?createdBefore=${encodeURIComponent(middle.createdAt)}`);
    expect(before.items.every((job) => job.createdAt < middle.createdAt)).toBe(true);
    expect(after.items.length + before.items.length).toBe(7);
  });

  it("includes each job's history of attempts", async () => {
    const id = submitted[6] ?? '';
    await api.start(id, 'worker-1');
    expect(await api.jobs.heartbeat(id, 1, 'run-1')).toBe(true);
    const job = (await list('?limit=1')).items[0];
    expect(job?.id).toBe(id);
    expect(job?.history).toEqual([
      expect.objectContaining({ attempt: 1, worker: 'worker-1', mlflowRunId: 'run-1', outcome: 'running' }),
    ]);
  });
});
