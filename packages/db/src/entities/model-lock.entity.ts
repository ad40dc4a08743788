import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A lease on one MLflow registered model: runs of the same `<team>.<pipeline>` hold it in turn, so that two
 * validations and promotions of one model never overlap. An expired lease is free for the next holder.
 */
@Entity({ name: 'model_locks' })
export class ModelLockEntity {
  @PrimaryColumn({ name: 'registered_model', type: 'text' })
  registeredModel!: string;

  /** Who holds it: `job:<id>:<attempt>`. */
  @Column({ type: 'text' })
  holder!: string;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ name: 'acquired_at', type: 'timestamptz', default: () => 'now()' })
  acquiredAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
