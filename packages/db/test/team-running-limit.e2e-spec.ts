import { type SubmitJob, submitJobSchema } from '@ct/shared';
import { JobLifecycle, TeamAtCapacity } from '../src/lifecycle/job-lifecycle.js';
import { JobStore } from '../src/store/job-store.js';
import { migratedDatabase } from './database.js';

const submission: SubmitJob = submitJobSchema.parse({
  spec: {
    pipeline: 'p',
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'sklearn.linear_model.Ridge', params: {} },
  },
});

describe("a team's limit of running jobs, checked where an attempt starts (real Postgres)", () => {
  const database = migratedDatabase();
  let jobs: JobStore;
  let sut: JobLifecycle;

  beforeAll(async () => {
    jobs = new JobStore(database.dataSource);
    sut = new JobLifecycle(database.dataSource);
  });

  const queued = async (team: string) => (await jobs.create(team, submission)).job.id;
  const start = (id: string, limit: number) =>
    sut.move(id, { to: 'running', from: ['queued'], startAttempt: { worker: 'w' }, teamRunningLimit: limit });

  it('refuses a start past the limit and changes nothing; another team is not affected; a start is allowed again once one ends', async () => {
    const [first, second, other] = [await queued('team-l'), await queued('team-l'), await queued('team-m')];
    expect(await start(first, 1)).toMatchObject({ job: { state: 'running', attempts: 1 } });
    await expect(start(second, 1)).rejects.toMatchObject({
      name: 'TeamAtCapacity',
      team: 'team-l',
      running: 1,
      limit: 1,
    });
    expect(await jobs.get(second)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await jobs.attempts(second)).toEqual([]);
    expect(await start(other, 1)).toMatchObject({ job: { state: 'running' } });

    await sut.move(first, {
      to: 'succeeded',
      from: ['running'],
      endAttempt: { outcome: 'succeeded', failureReason: null, message: null },
    });
    expect(await start(second, 1)).toMatchObject({ job: { state: 'running' } });
  });

  it('lets exactly `limit` of many racing starts of one team through', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => queued('team-race')));
    const results = await Promise.allSettled(ids.map((id) => start(id, 3)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.reason).toBeInstanceOf(TeamAtCapacity);
    const rows: { running: number }[] = await database.dataSource.query(
      "SELECT count(*)::int AS running FROM jobs WHERE team = 'team-race' AND state = 'running'",
    );
    expect(rows[0]?.running).toBe(3);
  });
});
