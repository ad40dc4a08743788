import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The statuses that end an MLflow run. */
export type RunEndStatus = 'FINISHED' | 'FAILED' | 'KILLED';

/**
 * An MLflow run that must be ended (FINISHED, FAILED or KILLED) but that MLflow has not accepted yet: kept
 * here and retried until it does, so that no run of a finished attempt stays RUNNING.
 */
@Entity({ name: 'pending_run_ends' })
export class PendingRunEndEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' })
  runId!: string;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ type: 'integer', nullable: true })
  attempt!: number | null;

  @Column({ type: 'text' })
  status!: RunEndStatus;

  /** When the run really ended, sent as its end time however late MLflow accepts it. */
  @Column({ name: 'end_time', type: 'timestamptz' })
  endTime!: Date;

  @Column({ type: 'integer', default: 0 })
  tries!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
