import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { MonitoringEvaluationEntity } from '../entities/monitoring-evaluation.entity.js';

export type NewEvaluation = Omit<MonitoringEvaluationEntity, 'id' | 'createdAt' | 'pipelineRow'>;

/** The evaluations of live performance that monitor jobs record: each pipeline's performance series. */
export class MonitoringStore {
  constructor(private readonly dataSource: DataSource) {}

  private get evaluations() {
    return this.dataSource.getRepository(MonitoringEvaluationEntity);
  }

  /** Records a monitor job's evaluation once: a second record of the same job returns the first. */
  async record(evaluation: NewEvaluation): Promise<MonitoringEvaluationEntity> {
    await this.evaluations
      .createQueryBuilder()
      .insert()
      .values({ id: randomUUID(), ...evaluation })
      .orIgnore()
      .execute();
    return this.evaluations.findOneByOrFail({ jobId: evaluation.jobId });
  }

  /** The latest `limit` evaluations of the pipeline, oldest first. */
  async series(pipelineId: string, limit: number): Promise<MonitoringEvaluationEntity[]> {
    const newest = await this.evaluations
      .createQueryBuilder('e')
      .where('e.pipeline_id = :pipelineId', { pipelineId })
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit)
      .getMany();
    return newest.reverse();
  }
}
