import type {
  FailureReason,
  JobKind,
  JobState,
  JobTask,
  PipelineStep,
  PromotionDecision,
  SubmitJob,
  TrainingSpec,
  Trigger,
} from '@ct/shared';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Why a queued job waits without using an attempt. */
export type JobWaitReason = 'dependency_unavailable' | 'waiting_for_model' | 'team_quota';

/** A job (training, scoring or monitoring). Postgres is the source of truth; the BullMQ job carries only its id. */
@Entity({ name: 'jobs' })
@Index('jobs_team_created_idx', ['team', 'createdAt', 'id'])
@Index('jobs_created_idx', ['createdAt', 'id'])
@Index('jobs_team_idempotency_key_key', ['team', 'idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
@Index('jobs_state_idx', ['state'])
@Index('jobs_pipeline_created_idx', ['pipelineId', 'createdAt'], { where: 'pipeline_id IS NOT NULL' })
export class JobEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ type: 'text' })
  pipeline!: string;

  @Column({ type: 'text' })
  state!: JobState;

  /** What the job does; score and monitor jobs go to their own queue. */
  @Column({ type: 'text', default: 'train' })
  kind!: JobKind;

  /** A score or monitor job's request; null for training. */
  @Column({ type: 'jsonb', nullable: true })
  task!: JobTask | null;

  @Column({ type: 'text' })
  trigger!: Trigger;

  @Column({ type: 'jsonb' })
  spec!: TrainingSpec;

  /** Overrides for the spec's model params, as submitted. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  params!: NonNullable<SubmitJob['params']>;

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ name: 'timeout_seconds', type: 'integer' })
  timeoutSeconds!: number;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts!: number;

  /** The number of the latest attempt; every write an attempt makes is fenced by it. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Attempts that do not count against maxAttempts: stopped by a shutdown, a lost lock or an outage. */
  @Column({ name: 'uncounted_attempts', type: 'integer', default: 0 })
  uncountedAttempts!: number;

  /** Why a queued job is held back without using an attempt; null when it is not. */
  @Column({ name: 'wait_reason', type: 'text', nullable: true })
  waitReason!: JobWaitReason | null;

  /** Since when a dependency outage has held the job back: the outage budget counts from here. */
  @Column({ name: 'waiting_since', type: 'timestamptz', nullable: true })
  waitingSince!: Date | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  tags!: Record<string, string>;

  @Column({ name: 'progress_step', type: 'text', nullable: true })
  progressStep!: PipelineStep | null;

  @Column({ name: 'progress_fraction', type: 'double precision', default: 0 })
  progressFraction!: number;

  @Column({ name: 'mlflow_experiment_id', type: 'text', nullable: true })
  mlflowExperimentId!: string | null;

  @Column({ name: 'mlflow_run_id', type: 'text', nullable: true })
  mlflowRunId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metrics!: Record<string, number>;

  @Column({ name: 'model_uri', type: 'text', nullable: true })
  modelUri!: string | null;

  @Column({ name: 'model_version', type: 'text', nullable: true })
  modelVersion!: string | null;

  /** The MLflow registered model the run's version belongs to (`<team>.<pipeline>`). */
  @Column({ name: 'registered_model', type: 'text', nullable: true })
  registeredModel!: string | null;

  /** The promotion step's decision on the version, as the pipeline reported it. */
  @Column({ type: 'jsonb', nullable: true })
  decision!: PromotionDecision | null;

  /** The API key that submitted the job: an approver may not approve the version it made. */
  @Column({ name: 'submitted_by', type: 'uuid', nullable: true })
  submittedBy!: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: FailureReason | null;

  @Column({ name: 'failure_message', type: 'text', nullable: true })
  failureMessage!: string | null;

  /** Set when a user cancels a running job; the worker running it stops the child. */
  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;

  /** Bytes of captured output stored so far, and whether later output was dropped at the cap. */
  @Column({ name: 'log_bytes', type: 'bigint', default: 0 })
  logBytes!: string;

  @Column({ name: 'log_truncated', type: 'boolean', default: false })
  logTruncated!: boolean;

  /** The registered pipeline that made the job, its spec version and the trigger record; null for direct jobs. */
  @Column({ name: 'pipeline_id', type: 'uuid', nullable: true })
  pipelineId!: string | null;

  @Column({ name: 'pipeline_version', type: 'integer', nullable: true })
  pipelineVersion!: number | null;

  @Column({ name: 'trigger_id', type: 'uuid', nullable: true })
  triggerId!: string | null;

  /** The data high-water mark the run reads up to; the new-data trigger counts arrivals after it. */
  @Column({ name: 'data_high_water', type: 'timestamptz', precision: 3, nullable: true })
  dataHighWater!: Date | null;

  /** Millisecond precision, as in JS dates, so list cursors compare exactly. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
