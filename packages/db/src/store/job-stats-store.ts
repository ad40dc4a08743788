import type { JobKind } from '@ct/shared';
import type { DataSource } from 'typeorm';

/** Jobs that succeeded or failed within a window ending now. */
export interface FinishedCounts {
  completed: number;
  failed: number;
}

const FINISHED = { completed: 'succeeded', failed: 'failed' } as const;

/** Aggregate figures over job rows, for monitoring: Postgres keeps them after BullMQ forgets the jobs. */
export class JobStatsStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * For each kind of job and each window (in seconds, ending now), the jobs of that kind that succeeded and
   * failed in it, in one query. A kind with no job finished in the widest window is absent.
   */
  async finishedByKind(windowsSeconds: readonly number[]): Promise<Map<JobKind, FinishedCounts[]>> {
    const found = new Map<JobKind, FinishedCounts[]>();
    if (windowsSeconds.length === 0) return found;
    const rows: Record<string, string>[] = await this.dataSource.query(
      finishedByKindSql(windowsSeconds.length),
      [Math.max(...windowsSeconds), ...windowsSeconds],
    );
    for (const row of rows)
      found.set(
        row.kind as JobKind,
        windowsSeconds.map((_seconds, index) => ({
          completed: Number(row[`completed_${index}`] ?? 0),
          failed: Number(row[`failed_${index}`] ?? 0),
        })),
      );
    return found;
  }
}

/** $1 is the widest window, $2.. each window, in seconds. */
function finishedByKindSql(windows: number): string {
  const counts = Array.from({ length: windows }, (_unused, index) =>
    Object.entries(FINISHED).map(
      ([name, state]) =>
        `count(*) FILTER (WHERE state = '${state}' AND finished_at >= now() - make_interval(secs => $${index + 2})) AS ${name}_${index}`,
    ),
  ).flat();
  return `SELECT kind, ${counts.join(', ')} FROM jobs
    WHERE state IN (${Object.values(FINISHED)
      .map((state) => `'${state}'`)
      .join(', ')})
      AND finished_at >= now() - make_interval(secs => $1)
    GROUP BY kind`;
}
