import type { JobKind } from '@ct/shared';
import type { DataSource } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';

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
   * For each window (in seconds, ending now), the jobs that succeeded and failed in it; one query. With
   * `kinds`, only jobs of those kinds (the jobs of one queue).
   */
  async finishedWithin(
    windowsSeconds: readonly number[],
    kinds?: readonly JobKind[],
  ): Promise<FinishedCounts[]> {
    if (windowsSeconds.length === 0) return [];
    const qb = this.dataSource
      .getRepository(JobEntity)
      .createQueryBuilder('job')
      .select('count(*)', 'total')
      .where('job.state IN (:...states)', { states: Object.values(FINISHED) })
      .andWhere('job.finished_at >= now() - make_interval(secs => :widest)', {
        widest: Math.max(...windowsSeconds),
      });
    if (kinds) qb.andWhere('job.kind IN (:...kinds)', { kinds });
    windowsSeconds.forEach((seconds, index) => {
      qb.setParameter(`window${index}`, seconds);
      for (const [name, state] of Object.entries(FINISHED))
        qb.addSelect(
          `count(*) FILTER (WHERE job.state = '${state}' AND job.finished_at >= now() - make_interval(secs => :window${index}))`,
          `${name}_${index}`,
        );
    });
    const row = ((await qb.getRawOne()) ?? {}) as Record<string, string | undefined>;
    return windowsSeconds.map((_seconds, index) => ({
      completed: Number(row[`completed_${index}`] ?? 0),
      failed: Number(row[`failed_${index}`] ?? 0),
    }));
  }
}
