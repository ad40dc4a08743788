import { waitFor } from '@ct/test-support';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../src/database/database.module.js';
import { TEAM_LOAD_VACUUM_MS, TeamLoadVacuum } from '../src/jobs/team-load-vacuum.service.js';
import { startTestApi, type TestApi } from './harness.js';

describe("the teams' load deltas are vacuumed every second (real Postgres)", () => {
  let api: TestApi;
  let db: DataSource;

  const vacuums = async () =>
    Number(
      (
        (await db.query(
          "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'team_load_deltas'",
        )) as { vacuum_count: string }[]
      )[0]?.vacuum_count,
    );

  /** Pages Postgres reads to sum a team's deltas, as every submission's quota check does. */
  const pagesToSum = async (team: string) => {
    const [row] = (await db.query(
      'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT sum(queued), sum(running) FROM team_load_deltas WHERE team = $1',
      [team],
    )) as { 'QUERY PLAN': { Plan: Record<string, number> }[] }[];
    const plan = row?.['QUERY PLAN'][0]?.Plan ?? {};
    return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
  };

  beforeAll(async () => {
    api = await startTestApi();
    db = api.app.get(DATA_SOURCE);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('vacuums the table on its own', async () => {
    const before = await vacuums();
    await waitFor('a vacuum of team_load_deltas', async () => (await vacuums()) > before, {
      timeoutMs: TEAM_LOAD_VACUUM_MS * 3,
      intervalMs: 250,
    });
  });

  it('takes away the dead rows that a team sum would otherwise walk', async () => {
    // What a team's compactions leave behind between two vacuums under a steady stream of submissions.
    await db.query(
      "INSERT INTO team_load_deltas (team, queued, running) SELECT 'team-churn', 0, 0 FROM generate_series(1, 20000)",
    );
    await db.query("DELETE FROM team_load_deltas WHERE team = 'team-churn'");
    await pagesToSum('team-churn'); // the first scan after the delete marks what it finds dead
    const withDeadRows = await pagesToSum('team-churn');

    await api.app.get(TeamLoadVacuum).vacuum();

    const vacuumed = await pagesToSum('team-churn');
    expect(withDeadRows).toBeGreaterThan(10);
    expect(vacuumed).toBeLessThan(withDeadRows / 5);
  });
});
