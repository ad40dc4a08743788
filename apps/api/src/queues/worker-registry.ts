import { type WorkerRecord, workerRecordSchema, workerRegistryKeys } from '@ct/shared';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { withRedis } from '../redis/bounded.js';
import { RedisClients } from '../redis/redis-clients.js';

/**
 * The live workers, as they publish themselves in Redis (see the worker's heartbeat): a record per worker
 * that expires unless refreshed, indexed by a sorted set of worker ids scored by expiry.
 */
@Injectable()
export class WorkerRegistry {
  private readonly logger = new Logger(WorkerRegistry.name);

  constructor(
    private readonly redis: RedisClients,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Workers whose heartbeat is current, oldest first; optionally only those consuming `queue`. */
  async live(queue?: string): Promise<WorkerRecord[]> {
    const records = await this.read();
    return records
      .filter((record) => queue === undefined || record.queues.includes(queue))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  }

  private async read(): Promise<WorkerRecord[]> {
    const redis = this.redis.commands;
    const prefix = this.config.bullmqPrefix;
    const index = workerRegistryKeys.index(prefix);
    const values = await withRedis(this.redis, 'while reading the live workers', async () => {
      // Entries of workers that died without deleting their record; their keys have expired already.
      await redis.zremrangebyscore(index, '-inf', String(Date.now()));
      const ids = await redis.zrange(index, '0', '-1');
      return ids.length === 0 ? [] : redis.mget(ids.map((id) => workerRegistryKeys.worker(prefix, id)));
    });
    return values.flatMap((value) => (value === null ? [] : this.parse(value)));
  }

  private parse(value: string): WorkerRecord[] {
    try {
      return [workerRecordSchema.parse(JSON.parse(value))];
    } catch (error) {
      this.logger.warn(`ignoring a malformed worker record: ${(error as Error).message}`);
      return [];
    }
  }
}
