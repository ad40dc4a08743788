import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PipelineEntity } from './pipeline.entity.js';

/**
 * One stored prediction: which model version (and the MLflow run that trained it) made it, from which
 * features, and later its observed outcome, so that live performance can be computed.
 */
@Entity({ name: 'predictions' })
@Index('predictions_job_row_key', ['jobId', 'rowKey'], { unique: true, where: 'job_id IS NOT NULL' })
@Index('predictions_pipeline_row_key_idx', ['pipelineId', 'rowKey'])
@Index('predictions_pipeline_scored_idx', ['pipelineId', 'scoredAt', 'id'])
export class PredictionEntity {
  /** bigint: node-postgres returns it as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ name: 'pipeline_id', type: 'uuid' })
  pipelineId!: string;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id' })
  pipelineRow?: PipelineEntity;

  /** The scoring job; null for a pair sent by an outside serving system. */
  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ name: 'row_key', type: 'text' })
  rowKey!: string;

  @Column({ name: 'model_version', type: 'text', nullable: true })
  modelVersion!: string | null;

  /** The MLflow run that trained the model version. */
  @Column({ name: 'run_id', type: 'text', nullable: true })
  runId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  features!: Record<string, number | string | boolean | null> | null;

  @Column({ name: 'features_hash', type: 'text', nullable: true })
  featuresHash!: string | null;

  @Column({ type: 'double precision' })
  prediction!: number;

  @Column({ type: 'jsonb', nullable: true })
  probabilities!: Record<string, number> | null;

  @Column({ name: 'scored_at', type: 'timestamptz', precision: 3 })
  scoredAt!: Date;

  /** The batch's inference time divided by its rows. */
  @Column({ name: 'inference_us', type: 'double precision', nullable: true })
  inferenceUs!: number | null;

  @Column({ type: 'double precision', nullable: true })
  outcome!: number | null;

  @Column({ name: 'observed_at', type: 'timestamptz', precision: 3, nullable: true })
  observedAt!: Date | null;
}
