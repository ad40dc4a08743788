import { type DataSource, In } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { TriggerRecordEntity } from '../entities/trigger-record.entity.js';
import { type NewDataCount, newDataCounts } from './new-data.js';

/** Where each pipeline of a page stands: its latest run, its latest trigger record, its new-data count. */
export class PipelineStatus {
  constructor(private readonly dataSource: DataSource) {}

  /** The newest training job of each pipeline (its scoring and monitoring jobs are not runs). */
  async lastRuns(pipelineIds: readonly string[]): Promise<Map<string, JobEntity>> {
    if (pipelineIds.length === 0) return new Map();
    const ids: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (pipeline_id) id FROM jobs WHERE pipeline_id = ANY($1::uuid[]) AND kind = 'train'
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

  /** The new-data count of each of these pipelines, in one query. */
  newData(pipelineIds: readonly string[]): Promise<Map<string, NewDataCount>> {
    return newDataCounts(this.dataSource.manager, pipelineIds);
  }
}
