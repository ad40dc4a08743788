import type { DataSource } from 'typeorm';
import { ModelDecisionEntity } from '../entities/model-decision.entity.js';

/** A decision to record; the id and time are the store's. */
export type NewModelDecision = Pick<
  ModelDecisionEntity,
  'registeredModel' | 'version' | 'team' | 'action' | 'actor' | 'jobId' | 'reason'
>;

/** The audit trail of decisions on registered model versions. */
export class ModelDecisionStore {
  constructor(private readonly dataSource: DataSource) {}

  private get decisions() {
    return this.dataSource.getRepository(ModelDecisionEntity);
  }

  async record(...decisions: NewModelDecision[]): Promise<void> {
    if (decisions.length > 0) await this.decisions.insert(decisions);
  }

  /** Every decision on the model's versions, oldest first. */
  async list(registeredModel: string): Promise<ModelDecisionEntity[]> {
    return this.decisions.find({ where: { registeredModel }, order: { createdAt: 'ASC', id: 'ASC' } });
  }
}
