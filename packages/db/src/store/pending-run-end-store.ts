import type { DataSource } from 'typeorm';
import { PendingRunEndEntity } from '../entities/pending-run-end.entity.js';
import { type RunEnd, savePendingRunEnd } from '../lifecycle/job-lifecycle.js';

/** MLflow run ends that MLflow has not accepted yet; the worker retries them until it does. */
export class PendingRunEndStore {
  constructor(private readonly dataSource: DataSource) {}

  async add(end: RunEnd & { jobId: string | null; attempt: number | null }): Promise<void> {
    await savePendingRunEnd(this.dataSource.manager, end);
  }

  /** The oldest pending ends first. */
  async due(limit = 100): Promise<PendingRunEndEntity[]> {
    return this.dataSource
      .getRepository(PendingRunEndEntity)
      .find({ order: { createdAt: 'ASC' }, take: limit });
  }

  async delivered(runId: string): Promise<void> {
    await this.dataSource.getRepository(PendingRunEndEntity).delete({ runId });
  }

  async failedTry(runId: string, error: string): Promise<void> {
    await this.dataSource
      .getRepository(PendingRunEndEntity)
      .update({ runId }, { tries: () => 'tries + 1', lastError: error.slice(0, 1000) });
  }
}
