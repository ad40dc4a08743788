import { type SubmitJob, submitJobSchema } from '@ct/shared';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/data-source.js';
import { JobLifecycle, TeamAtCapacity } from '../src/lifecycle/job-lifecycle.js';
import { JobStore } from '../src/store/job-store.js';
import { lockTeamLoad } from '../src/store/team-quota.js';
import { freshDatabase, migratedDataSource } from './database.js';

const submission: SubmitJob = submitJobSchema.parse({
  spec: {
    pipeline: 'p',
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'sklearn.linear_model.Ridge', params: {} },
  },
});

const QUOTA = { maxRunning: 4, maxQueued: 20 };

/** The team's load as the deltas say it, and as counting its jobs says it. */
async function loads(dataSource: DataSource, team: string) {
  const [row] = await dataSource.query(
    `SELECT (SELECT coalesce(sum(queued), 0)::int FROM team_load_deltas WHERE team = $1) AS "deltaQueued",
            (SELECT coalesce(sum(running), 0)::int FROM team_load_deltas WHERE team = $1) AS "deltaRunning",
            (SELECT count(*)::int FROM jobs WHERE team = $1 AND state = 'queued') AS queued,
            (SELECT count(*)::int FROM jobs WHERE team = $1 AND state = 'running') AS running`,
    [team],
  );
  return row as { deltaQueued: number; deltaRunning: number; queued: number; running: number };
}

describe("a team's load kept by triggers on jobs (real Postgres)", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dataSource: DataSource;
  let jobs: JobStore;
  let lifecycle: JobLifecycle;

  beforeAll(async () => {
    db = await freshDatabase();
    await (await migratedDataSource(db.url)).destroy();
    // Enough connections for every racer to hold one at once.
    dataSource = await createDataSource(db.url, { poolSize: 24 }).initialize();
    jobs = new JobStore(dataSource);
    lifecycle = new JobLifecycle(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const idsIn = async (team: string, state: string): Promise<string[]> =>
    (await dataSource.query('SELECT id FROM jobs WHERE team = $1 AND state = $2', [team, state])).map(
      (row: { id: string }) => row.id,
    );
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

  // Each racer does one kind of thing to the team's jobs, the way a path of the platform does it.
  const racers: Record<string, (team: string) => Promise<unknown>> = {
    submit: (team) => jobs.createWithinQuota(team, submission, null, QUOTA),
    start: async (team) => {
      const id = pick(await idsIn(team, 'queued'));
      if (id === undefined) return;
      await lifecycle
        .move(id, { to: 'running', from: ['queued'], startAttempt: { worker: 'w' }, teamRunningLimit: 4 })
        .catch((error: unknown) => {
          if (!(error instanceof TeamAtCapacity)) throw error;
        });
    },
    cancel: async (team) => {
      const id = pick([...(await idsIn(team, 'queued')), ...(await idsIn(team, 'running'))]);
      if (id !== undefined) await lifecycle.move(id, { to: 'cancelled', from: ['queued', 'running'] });
    },
    finish: async (team) => {
      const id = pick(await idsIn(team, 'running'));
      if (id === undefined) return;
      const to = Math.random() < 0.5 ? 'succeeded' : 'queued'; // queued: a retry
      await lifecycle.move(id, { to, from: ['running'] });
    },
    // Several jobs in one statement, as a batch (reconciler-like) would: rows locked in id order.
    failSeveral: (team) =>
      dataSource.query(
        `UPDATE jobs SET state = 'failed' WHERE id IN (
           SELECT id FROM jobs WHERE team = $1 AND state = 'queued' ORDER BY id LIMIT 3 FOR UPDATE SKIP LOCKED)`,
        [team],
      ),
    retryEnded: (team) =>
      dataSource.query(
        `UPDATE jobs SET state = 'queued' WHERE id IN (
           SELECT id FROM jobs WHERE team = $1 AND state IN ('failed', 'cancelled') ORDER BY id LIMIT 2
           FOR UPDATE SKIP LOCKED)`,
        [team],
      ),
    remove: (team) =>
      dataSource.query(
        `DELETE FROM jobs WHERE id IN (
           SELECT id FROM jobs WHERE team = $1 ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)`,
        [team],
      ),
  };

  it('equals counting the jobs after concurrent submissions, starts, cancels, ends, retries and deletes, and nothing deadlocks', async () => {
    const team = 'team-hammer';
    const kinds = Object.keys(racers);
    const failures: unknown[] = [];
    const racer = async (n: number) => {
      for (let i = 0; i < 40; i += 1) {
        const kind = kinds[(n + i) % kinds.length] as string;
        await (racers[kind] as (team: string) => Promise<unknown>)(team).catch((error: unknown) =>
          failures.push(error),
        );
      }
    };
    for (let round = 0; round < 3; round += 1) {
      await Promise.all(Array.from({ length: 20 }, (_, n) => racer(n)));
      expect(failures).toEqual([]);
      const load = await loads(dataSource, team);
      expect({ queued: load.deltaQueued, running: load.deltaRunning }).toEqual({
        queued: load.queued,
        running: load.running,
      });
      expect(load.queued + load.running).toBeLessThanOrEqual(QUOTA.maxRunning + QUOTA.maxQueued);
    }
    // The load read under the lock (which compacts) says the same, and the deltas stay few.
    const counted = await loads(dataSource, team);
    const locked = await dataSource.transaction((manager) => lockTeamLoad(manager, team, QUOTA));
    expect([locked.queued, locked.running]).toEqual([counted.queued, counted.running]);
    const [{ rows }] = await dataSource.query(
      'SELECT count(*)::int AS rows FROM team_load_deltas WHERE team = $1',
      [team],
    );
    expect(rows).toBeLessThanOrEqual(33);
  });

  it('compacts a team whose jobs all ended to no rows at all', async () => {
    const team = 'team-idle';
    // Stored without the quota (no lock, so no compaction on the way): 80 rows that sum to nothing.
    for (let i = 0; i < 40; i += 1) {
      const { job } = await jobs.create(team, submission);
      await lifecycle.move(job.id, { to: 'cancelled', from: ['queued'] });
    }
    expect(await dataSource.transaction((manager) => lockTeamLoad(manager, team, QUOTA))).toMatchObject({
      queued: 0,
      running: 0,
    });
    expect(await dataSource.query('SELECT * FROM team_load_deltas WHERE team = $1', [team])).toEqual([]);
  });

  it('moves a job between teams, and empties with TRUNCATE', async () => {
    const created = await jobs.create('team-from', submission);
    await dataSource.query("UPDATE jobs SET team = 'team-to' WHERE id = $1", [created.job.id]);
    expect(await loads(dataSource, 'team-from')).toMatchObject({ deltaQueued: 0, queued: 0 });
    expect(await loads(dataSource, 'team-to')).toMatchObject({ deltaQueued: 1, queued: 1 });
    await dataSource.query('TRUNCATE jobs CASCADE');
    expect(await dataSource.query('SELECT * FROM team_load_deltas')).toEqual([]);
  });
});

describe('the team load migration (real Postgres)', () => {
  it('backfills the load of the jobs stored before it', async () => {
    const db = await freshDatabase();
    const sut = await migratedDataSource(db.url);
    try {
      await sut.undoLastMigration();
      const jobs = new JobStore(sut);
      const states = ['queued', 'queued', 'running', 'succeeded', 'failed'];
      for (const [i, state] of states.entries()) {
        const { job } = await jobs.create(i % 2 === 0 ? 'team-a' : 'team-b', submission);
        await sut.query('UPDATE jobs SET state = $2 WHERE id = $1', [job.id, state]);
      }
      await sut.runMigrations();
      expect(await loads(sut, 'team-a')).toEqual({ deltaQueued: 1, deltaRunning: 1, queued: 1, running: 1 });
      expect(await loads(sut, 'team-b')).toEqual({ deltaQueued: 1, deltaRunning: 0, queued: 1, running: 0 });
    } finally {
      await sut.destroy();
      await db.drop();
    }
  });
});
