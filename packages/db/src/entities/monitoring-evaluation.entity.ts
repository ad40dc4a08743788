import type { Drift } from '@ct/shared';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PipelineEntity } from './pipeline.entity.js';

/** One evaluation of a pipeline's live performance by a monitor job: a point of its performance series. */
@Entity({ name: 'monitoring_evaluations' })
@Index('monitoring_evaluations_pipeline_created_idx', ['pipelineId', 'createdAt'])
export class MonitoringEvaluationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ name: 'pipeline_id', type: 'uuid' })
  pipelineId!: string;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id' })
  pipelineRow?: PipelineEntity;

  /** The monitor job; one evaluation per job (a retried attempt replaces nothing: it writes once, on success). */
  @Column({ name: 'job_id', type: 'uuid', unique: true })
  jobId!: string;

  @Column({ name: 'model_version', type: 'text', nullable: true })
  modelVersion!: string | null;

  @Column({ name: 'window_start', type: 'timestamptz', precision: 3 })
  windowStart!: Date;

  @Column({ name: 'window_end', type: 'timestamptz', precision: 3 })
  windowEnd!: Date;

  /** Predictions with ground truth the metrics were computed on. */
  @Column({ type: 'integer' })
  samples!: number;

  /** All predictions of the evaluated version in the window. */
  @Column({ type: 'integer' })
  scored!: number;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metrics!: Record<string, number>;

  @Column({ type: 'jsonb', nullable: true })
  drift!: Drift | null;

  @Column({ name: 'drift_skipped', type: 'text', nullable: true })
  driftSkipped!: string | null;

  @Column({ name: 'mlflow_run_id', type: 'text', nullable: true })
  mlflowRunId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
