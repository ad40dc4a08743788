import type { JobLogs } from '@ct/shared';
import type { DataSource } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { JobLogChunkEntity, type LogStream } from '../entities/job-log-chunk.entity.js';

export type LogAppend = 'stored' | 'truncated' | 'stale';

/**
 * A job's captured output, as chunks in Postgres with byte offsets. Output past the job's cap is dropped
 * and the job marked truncated, so one noisy job cannot fill the database.
 */
export class LogStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly capBytes: number,
  ) {}

  /**
   * Appends `text` of the job's running attempt `attempt`: `truncated` when it was dropped at the cap,
   * `stale` when that attempt is no longer the job's running one (its output is refused).
   */
  async append(jobId: string, attempt: number, stream: LogStream, text: string): Promise<LogAppend> {
    if (text.length === 0) return 'stored';
    const bytes = Buffer.byteLength(text, 'utf8');
    return this.dataSource.transaction(async (manager) => {
      // Reserve the byte range atomically; two writers for one job never get the same offset.
      const reserved = await manager
        .createQueryBuilder()
        .update(JobEntity)
        .set({ logBytes: () => 'log_bytes + :bytes' })
        .where("id = :jobId AND attempts = :attempt AND state = 'running'")
        .andWhere('log_bytes + :bytes <= :cap', { jobId, attempt, bytes, cap: this.capBytes })
        .returning('log_bytes')
        .execute();
      const end = (reserved.raw as { log_bytes: string }[])[0]?.log_bytes;
      const offset = end === undefined ? undefined : String(Number(end) - bytes);
      if (offset === undefined) {
        const marked = await manager
          .createQueryBuilder()
          .update(JobEntity)
          .set({ logTruncated: true })
          .where("id = :jobId AND attempts = :attempt AND state = 'running'", { jobId, attempt })
          .execute();
        return marked.affected ? 'truncated' : 'stale';
      }
      await manager.insert(JobLogChunkEntity, { jobId, attempt, stream, offset, text });
      return 'stored';
    });
  }

  /** The log from byte `offset`, or its last `tail` bytes (whole chunks). */
  async read(jobId: string, options: { offset?: number; tail?: number } = {}): Promise<JobLogs> {
    const job = await this.dataSource.getRepository(JobEntity).findOneByOrFail({ id: jobId });
    const size = Number(job.logBytes);
    const from = options.tail !== undefined ? Math.max(0, size - options.tail) : (options.offset ?? 0);
    const chunks = await this.dataSource
      .getRepository(JobLogChunkEntity)
      .createQueryBuilder('chunk')
      .where('chunk.job_id = :jobId', { jobId })
      // A chunk that straddles `from` is returned whole, from its own start.
      .andWhere('chunk.offset + octet_length(chunk.text) > :from', { from })
      .orderBy('chunk.offset', 'ASC')
      .getMany();
    const start = chunks.length > 0 ? Number(chunks[0]?.offset) : Math.min(from, size);
    return {
      offset: start,
      nextOffset: size,
      size,
      truncated: job.logTruncated,
      text: chunks.map((chunk) => chunk.text).join(''),
    };
  }
}
