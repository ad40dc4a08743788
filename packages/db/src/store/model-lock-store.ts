import type { DataSource } from 'typeorm';
import { ModelLockEntity } from '../entities/model-lock.entity.js';

/**
 * Leases on registered models in Postgres (the source of truth, reachable whenever a job can run at all):
 * one holder at a time; a lease its holder stopped renewing expires and passes to the next.
 */
export class ModelLockStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Takes or renews the lease for `leaseMs`; false when another holder's lease is still valid. */
  async acquire(model: string, holder: string, jobId: string | null, leaseMs: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO model_locks (registered_model, holder, job_id, acquired_at, expires_at)
       VALUES ($1, $2, $3, now(), now() + $4 * interval '1 millisecond')
       ON CONFLICT (registered_model) DO UPDATE
         SET holder = EXCLUDED.holder, job_id = EXCLUDED.job_id, expires_at = EXCLUDED.expires_at,
             acquired_at = CASE WHEN model_locks.holder = EXCLUDED.holder THEN model_locks.acquired_at ELSE now() END
         WHERE model_locks.holder = EXCLUDED.holder OR model_locks.expires_at < now()
       RETURNING holder`,
      [model, holder, jobId, leaseMs],
    );
    return rows.length > 0;
  }

  /** Extends the holder's own lease; false when it lost it (expired and taken, or released). */
  async renew(model: string, holder: string, leaseMs: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count].
      `WITH renewed AS (
         UPDATE model_locks SET expires_at = now() + $3 * interval '1 millisecond'
         WHERE registered_model = $1 AND holder = $2 RETURNING holder)
       SELECT holder FROM renewed`,
      [model, holder, leaseMs],
    );
    return rows.length > 0;
  }

  async release(model: string, holder: string): Promise<void> {
    await this.dataSource.query('DELETE FROM model_locks WHERE registered_model = $1 AND holder = $2', [
      model,
      holder,
    ]);
  }

  /** The valid lease on the model, if any. */
  async current(model: string): Promise<ModelLockEntity | null> {
    return this.dataSource
      .getRepository(ModelLockEntity)
      .createQueryBuilder('lock')
      .where('lock.registered_model = :model AND lock.expires_at > now()', { model })
      .getOne();
  }
}
