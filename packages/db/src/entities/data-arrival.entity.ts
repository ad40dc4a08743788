import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { PipelineEntity } from './pipeline.entity.js';

/** Rows that arrived for a pipeline's new-data trigger, as reported through the API or counted by a poll. */
@Entity({ name: 'data_arrivals' })
@Index('data_arrivals_pipeline_at_idx', ['pipelineId', 'at'])
export class DataArrivalEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'pipeline_id', type: 'uuid' })
  pipelineId!: string;

  @Column({ type: 'bigint' })
  rows!: string;

  @Column({ type: 'text', nullable: true })
  source!: string | null;

  /** When the rows arrived: the trigger counts arrivals after the last run's high-water mark. */
  @Column({ type: 'timestamptz', precision: 3 })
  at!: Date;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz', precision: 3 })
  recordedAt!: Date;

  @ManyToOne(() => PipelineEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id' })
  pipeline?: PipelineEntity;
}
