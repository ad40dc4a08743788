import type { MonitoringConfig, PipelineTriggers, Schedule } from '@ct/shared';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A registered pipeline: a team's spec (versioned), run by hand, on a schedule or when new data arrives. */
@Entity({ name: 'pipelines' })
@Index('pipelines_team_name_key', ['team', 'name'], { unique: true })
export class PipelineEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** The cron schedule, or null; BullMQ holds a job scheduler for it while the pipeline is enabled. */
  @Column({ type: 'jsonb', nullable: true })
  schedule!: Schedule | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  triggers!: PipelineTriggers;

  @Column({ name: 'cooldown_seconds', type: 'integer', default: 0 })
  cooldownSeconds!: number;

  /**
   * The monitoring schedule and window, as given (`monitoringConfigSchema` fills the defaults); BullMQ holds a
   * `monitor:<id>` scheduler while it has a schedule and the pipeline is enabled.
   */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  monitoring!: Partial<MonitoringConfig>;

  /** The number of the newest spec version. */
  @Column({ name: 'latest_version', type: 'integer' })
  latestVersion!: number;

  /** The new-data poll has counted the source's rows up to this time (its time column); null before the first. */
  @Column({ name: 'polled_until', type: 'timestamptz', precision: 3, nullable: true })
  polledUntil!: Date | null;

  /** Why the latest poll of the source failed; null after one that worked. */
  @Column({ name: 'poll_error', type: 'text', nullable: true })
  pollError!: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
