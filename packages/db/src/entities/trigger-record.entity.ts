import type { SuppressionReason, Trigger } from '@ct/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PipelineEntity } from './pipeline.entity.js';

export type TriggerFigures = Record<string, number | string | null>;

/** One firing of a pipeline's trigger and its outcome: a started job, or suppressed and why. */
@Entity({ name: 'trigger_records' })
@Index('trigger_records_pipeline_fired_idx', ['pipelineId', 'firedAt', 'id'])
@Index('trigger_records_pipeline_dedupe_key', ['pipelineId', 'dedupeKey'], {
  unique: true,
  where: 'dedupe_key IS NOT NULL',
})
export class TriggerRecordEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'pipeline_id', type: 'uuid' })
  pipelineId!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ type: 'text' })
  kind!: Trigger;

  @Column({ name: 'fired_at', type: 'timestamptz', precision: 3 })
  firedAt!: Date;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  figures!: TriggerFigures;

  @Column({ type: 'text' })
  outcome!: 'started' | 'suppressed';

  @Column({ type: 'text', nullable: true })
  reason!: SuppressionReason | null;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ type: 'text' })
  message!: string;

  /** One record per schedule tick, however many processes see the tick. */
  @Column({ name: 'dedupe_key', type: 'text', nullable: true })
  dedupeKey!: string | null;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id' })
  pipeline?: PipelineEntity;
}
