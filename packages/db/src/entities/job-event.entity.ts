import type { JobEventType } from '@ct/shared';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { JobEntity } from './job.entity.js';

/** A job's event log, replayed by the SSE stream; `id` orders events and serves as the SSE event id. */
@Entity({ name: 'job_events' })
@Index('job_events_job_id_idx', ['jobId', 'id'])
export class JobEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id' })
  job?: JobEntity;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'text' })
  type!: JobEventType;

  /** The event's own fields, without jobId, attempt, type and time. */
  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
