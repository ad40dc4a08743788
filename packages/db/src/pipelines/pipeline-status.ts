import { type DataSource, In } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { TriggerRecordEntity } from '../entities/trigger-record.entity.js';

/** Where each pipeline of a page stands: its latest run, its latest trigger record, its new-data count. */
export class PipelineStatus {
  constructor(private readonly dataSource: DataSource) {}

  /** The newest job of each pipeline. */
  async lastRuns(pipelineIds: readonly string[]): Promise<Map<string, JobEntity>> {
    if (pipelineIds.length === 0) return new Map();
    const ids: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (pipeline_id) id FROM jobs WHERE pipeline_id = ANY($1::uuid[])
       ORDER BY pipeline_id, created_at DESC, id DESC`,
      [pipelineIds],
    );
    if (ids.length === 0) return new Map();
    const jobs = await this.dataSource.getRepository(JobEntity).findBy({ id: In(ids.map((row) => row.id)) });
    return new Map(jobs.map((job) => [job.pipelineId ?? '', job]));
  }

  /** The newest trigger record of each pipeline. */
  async lastTriggers(pipelineIds: readonly string[]): Promise<Map<string, TriggerRecordEntity>> {
    if (pipelineIds.length === 0) return new Map();
    const ids: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (pipeline_id) id FROM trigger_records WHERE pipeline_id = ANY($1::uuid[])
       ORDER BY pipeline_id, fired_at DESC, id DESC`,
      [pipelineIds],
    );
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(TriggerRecordEntity)
      .findBy({ id: In(ids.map((row) => row.id)) });
    return new Map(rows.map((row) => [row.pipelineId, row]));
  }

  /** The new-data count of each of these pipelines, in one query (as `newDataCount` counts one). */
  async newData(
    pipelineIds: readonly string[],
  ): Promise<Map<string, { rows: number; highWaterMark: Date | null }>> {
    if (pipelineIds.length === 0) return new Map();
    const rows: { id: string; high_water_mark: Date | null; rows: string }[] = await this.dataSource.query(
      `WITH ids AS (SELECT unnest($1::uuid[]) AS id),
       marks AS (
         SELECT ids.id, (SELECT max(j.data_high_water) FROM jobs j
                         WHERE j.pipeline_id = ids.id AND j.state IN ('queued', 'running', 'succeeded')) AS at
         FROM ids)
       SELECT marks.id, marks.at AS high_water_mark,
              (SELECT COALESCE(sum(a.rows), 0) FROM data_arrivals a
               WHERE a.pipeline_id = marks.id AND (marks.at IS NULL OR a.at > marks.at))::bigint AS rows
       FROM marks`,
      [pipelineIds],
    );
    return new Map(
      rows.map((row) => [row.id, { rows: Number(row.rows), highWaterMark: row.high_water_mark }]),
    );
  }
}
