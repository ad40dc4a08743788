import type { FailureReason, JobAttempt } from '@ct/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { JobEntity } from './job.entity.js';

/** One attempt at running a job, with its own MLflow run. */
@Entity({ name: 'job_attempts' })
@Index('job_attempts_job_attempt_key', ['jobId', 'attempt'], { unique: true })
export class JobAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id' })
  job?: JobEntity;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'mlflow_run_id', type: 'text', nullable: true })
  mlflowRunId!: string | null;

  @Column({ type: 'text', nullable: true })
  worker!: string | null;

  @Column({ type: 'text' })
  outcome!: JobAttempt['outcome'];

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: FailureReason | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  /** Renewed by the worker while the attempt runs; a stale one means its worker (and child) is gone. */
  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
