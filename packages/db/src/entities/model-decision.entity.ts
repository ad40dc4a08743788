import type { ModelDecisionAction } from '@ct/shared';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One decision on a version of an MLflow registered model, by the pipeline (`registered`, `auto_promoted`)
 * or by a person through the API. MLflow keeps only the aliases' current state; this is their history.
 */
@Entity({ name: 'model_decisions' })
@Index('model_decisions_model_idx', ['registeredModel', 'createdAt'])
export class ModelDecisionEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'registered_model', type: 'text' })
  registeredModel!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ type: 'text' })
  action!: ModelDecisionAction;

  /** The API key id of whoever decided, or `pipeline`. */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
