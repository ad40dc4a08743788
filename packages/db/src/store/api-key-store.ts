import type { DataSource } from 'typeorm';
import { ApiKeyEntity, type ApiKeyRole } from '../entities/api-key.entity.js';

/** A key to store: only the hash of its secret and the prefix shown in listings, never the key. */
export interface NewApiKey {
  team: string;
  role: ApiKeyRole;
  name: string;
  keyHash: string;
  prefix: string;
}

/** API keys, by hash. */
export class ApiKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  private get keys() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }

  async create(key: NewApiKey): Promise<ApiKeyEntity> {
    return this.keys.save(this.keys.create(key));
  }

  /** Every key, newest first. */
  async list(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'DESC', id: 'DESC' } });
  }

  async findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ keyHash });
  }

  /** Revokes the key (a revoked key keeps its first revocation time); false when there is no such key. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.keys
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'COALESCE(revoked_at, now())' })
      .where('id = :id', { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async touch(id: string, lastUsedAt: Date): Promise<void> {
    await this.keys.update({ id }, { lastUsedAt });
  }

  /**
   * Stores the key, or updates the key with its hash to these fields: its revocation, if any, stays. Returns
   * the stored row.
   */
  async upsert(key: NewApiKey): Promise<ApiKeyEntity> {
    await this.keys.upsert(key, ['keyHash']);
    return this.keys.findOneByOrFail({ keyHash: key.keyHash });
  }
}
