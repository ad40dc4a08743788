import type { EntityManager } from 'typeorm';

/** How many jobs a team may have at once: `maxRunning` running plus `maxQueued` more waiting. */
export interface TeamQuota {
  maxRunning: number;
  maxQueued: number;
}

/** A team's queued and running jobs, and whether one more would pass its quota. */
export interface TeamLoad {
  queued: number;
  running: number;
  limit: number;
  full: boolean;
}

/**
 * The team's (`$1`) queued and running jobs (one row: `queued`, `running`), read under the team's
 * transaction-scoped lock, so that two submissions (or firings) of one team cannot both see the last free
 * place. The function reads after the lock is granted; it sums the team's load deltas, which triggers on
 * `jobs` keep (migration TeamLoadDeltas1765600000000), instead of counting its jobs.
 */
export const LOCK_TEAM_LOAD_SQL = 'SELECT queued, running FROM ct_lock_team_load($1)';

/**
 * Every job change appends a row to `team_load_deltas` and `ct_lock_team_load` deletes a team's rows once
 * they pile up, so the table is small but churns: under a steady stream of submissions its dead rows pile
 * up faster than autovacuum (every minute by default) clears them, and each submission's sum walks them.
 * Measured: Postgres' CPU per submission grew from 0.36 to 0.59 ms over 12,000 submissions; vacuumed between
 * rounds of 2,000, it stayed at 0.33 ms. A vacuum of the table takes a few milliseconds.
 */
export const VACUUM_TEAM_LOAD_SQL = 'VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON) team_load_deltas';

/** The load of a team with these counts, under `quota`. */
export function teamLoadOf(queued: number, running: number, quota: TeamQuota): TeamLoad {
  const limit = quota.maxRunning + quota.maxQueued;
  return { queued, running, limit, full: queued + running >= limit };
}

/**
 * Counts the team's queued and running jobs under the team's lock ({@link LOCK_TEAM_LOAD_SQL}). Call inside
 * the transaction that inserts the job.
 */
export async function lockTeamLoad(
  manager: EntityManager,
  team: string,
  quota: TeamQuota,
): Promise<TeamLoad> {
  const [row] = (await manager.query(LOCK_TEAM_LOAD_SQL, [team])) as { queued: number; running: number }[];
  return teamLoadOf(row?.queued ?? 0, row?.running ?? 0, quota);
}

/** The words of a refusal, the same for a submission and a suppressed trigger. */
export function quotaMessage(team: string, load: TeamLoad, quota: TeamQuota): string {
  return (
    `team ${team} has ${load.running} running and ${load.queued} queued jobs: its quota is ` +
    `${quota.maxRunning} running plus ${quota.maxQueued} queued (TEAM_MAX_RUNNING_JOBS, TEAM_MAX_QUEUED_JOBS)`
  );
}
