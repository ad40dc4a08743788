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
 * Counts the team's queued and running jobs under a transaction-scoped lock of the team, so that two
 * submissions (or firings) of one team cannot both see the last free place. Call inside the transaction
 * that inserts the job.
 */
export async function lockTeamLoad(
  manager: EntityManager,
  team: string,
  quota: TeamQuota,
): Promise<TeamLoad> {
  await manager.query("SELECT pg_advisory_xact_lock(hashtextextended('ct.team:' || $1, 0))", [team]);
  const [row] = (await manager.query(
    `SELECT count(*) FILTER (WHERE state = 'queued')::int AS queued,
            count(*) FILTER (WHERE state = 'running')::int AS running
     FROM jobs WHERE team = $1 AND state IN ('queued', 'running')`,
    [team],
  )) as { queued: number; running: number }[];
  const queued = row?.queued ?? 0;
  const running = row?.running ?? 0;
  const limit = quota.maxRunning + quota.maxQueued;
  return { queued, running, limit, full: queued + running >= limit };
}

/** The words of a refusal, the same for a submission and a suppressed trigger. */
export function quotaMessage(team: string, load: TeamLoad, quota: TeamQuota): string {
  return (
    `team ${team} has ${load.running} running and ${load.queued} queued jobs: its quota is ` +
    `${quota.maxRunning} running plus ${quota.maxQueued} queued (TEAM_MAX_RUNNING_JOBS, TEAM_MAX_QUEUED_JOBS)`
  );
}
