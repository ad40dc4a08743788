import type { TrainingSpec } from '@ct/shared';
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PipelineEntity } from './pipeline.entity.js';

/** One immutable version of a pipeline's spec: a job records the version it ran. */
@Entity({ name: 'pipeline_versions' })
export class PipelineVersionEntity {
  @PrimaryColumn({ name: 'pipeline_id', type: 'uuid' })
  pipelineId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  /** sha256 of the spec's canonical JSON (keys sorted). */
  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'jsonb' })
  spec!: TrainingSpec;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id' })
  pipeline?: PipelineEntity;
}
