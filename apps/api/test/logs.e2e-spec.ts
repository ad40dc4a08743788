import { LogStore } from '@ct/db';
import { jobLogsSchema } from '@ct/shared';
import { bearer, startTestApi, type TestApi } from './harness.js';

describe('GET /v1/jobs/:id/logs (real Postgres)', () => {
  let api: TestApi;
  let key: string;
  let id: string;

  beforeAll(async () => {
    api = await startTestApi({ config: { jobLogMaxBytes: 1024 } });
    key = await api.key('team-a', 'viewer');
    id = (await api.submit(await api.key('team-a', 'submitter'))).id;
    // Output is stored only for the job's running attempt.
    await api.start(id);
    const logs = api.app.get(LogStore);
    await logs.append(id, 1, 'stdout', 'loading data\n');
    await logs.append(id, 1, 'stderr', 'warning: 3 rows dropped\n');
    await logs.append(id, 1, 'stdout', 'training\n');
  });

  afterAll(async () => {
    await api.close();
  });

  async function read(query: string) {
    const res = await api.http().get(`/v1/jobs/${id}/logs${query}`).set(bearer(key)).expect(200);
    return jobLogsSchema.parse(res.body);
  }

  it('returns the whole log', async () => {
    expect(await read('')).toEqual({
      offset: 0,
      nextOffset: 46,
      size: 46,
      truncated: false,
      text: 'loading data\nwarning: 3 rows dropped\ntraining\n',
    });
  });

  it('reads from an offset (whole chunks) and returns nothing new at the end', async () => {
    expect(await read('?offset=13')).toMatchObject({
      offset: 13,
      text: 'warning: 3 rows dropped\ntraining\n',
    });
    expect(await read('?offset=46')).toMatchObject({ offset: 46, nextOffset: 46, text: '' });
  });

  it('returns the tail', async () => {
    expect(await read('?tail=9')).toMatchObject({ offset: 37, text: 'training\n' });
  });

  it('says when output was dropped at JOB_LOG_MAX_BYTES', async () => {
    await api.app.get(LogStore).append(id, 1, 'stdout', 'x'.repeat(2000));
    expect(await read('?tail=1')).toMatchObject({ truncated: true, size: 46 });
  });

  it('answers 404 for a job that does not exist', async () => {
    const res = await api
      .http()
      .get('/v1/jobs/6a1f8a64-8a8e-4a55-9d4e-2b2f7d1c0e11/logs')
      .set(bearer(key))
      .expect(404);
    expect(res.body.code).toBe('not_found');
  });
});
