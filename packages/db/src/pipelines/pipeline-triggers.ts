import { randomUUID } from 'node:crypto';
import type { SuppressionReason, Trigger } from '@ct/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { DataArrivalEntity } from '../entities/data-arrival.entity.js';
import { JobEntity } from '../entities/job.entity.js';
import { PipelineEntity } from '../entities/pipeline.entity.js';
import { PipelineVersionEntity } from '../entities/pipeline-version.entity.js';
import { type TriggerFigures, TriggerRecordEntity } from '../entities/trigger-record.entity.js';
import { lockTeamLoad, quotaMessage, type TeamQuota } from '../store/team-quota.js';
import { newDataCount } from './new-data.js';
import { createRun, type RunOptions } from './trigger-run.js';

/** A trigger that fired: what fired, its figures, and the guards it must pass. */
export interface Firing {
  pipelineId: string;
  kind: Trigger;
  figures?: TriggerFigures;
  /** One record per key and pipeline (a schedule tick): a second firing with the key changes nothing. */
  dedupeKey?: string;
  quota: TeamQuota;
  run?: RunOptions;
  submittedBy?: string | null;
  /** For new data: the firing happens only if the rows since the last run (counted under the lock) reach it. */
  minNewRows?: number;
  /** The run reads the data since then (its spec's `data.since`): a degradation trigger's window start. */
  dataSince?: Date;
  now?: Date;
}

export type FireResult =
  | { kind: 'gone' }
  /** A new-data firing whose rows, counted under the pipeline's lock, no longer reach the threshold. */
  | { kind: 'below_threshold'; rowsSinceLastRun: number }
  | { kind: 'recorded'; record: TriggerRecordEntity; job: JobEntity | null; duplicate: boolean };

const ACTIVE = ['queued', 'running'];

/**
 * Fires a pipeline's triggers: under the pipeline's row lock it checks the guards (disabled, a run in
 * progress, the cool-down, the team's quota), and in one transaction records the firing and, when it
 * passes, creates the queued job with its first `state` event. The caller queues the job in BullMQ after
 * the commit (the reconciler queues it if that fails).
 */
export class PipelineTriggers {
  constructor(private readonly dataSource: DataSource) {}

  async fire(firing: Firing): Promise<FireResult> {
    return this.dataSource.transaction((manager) => this.fireIn(manager, firing));
  }

  private async fireIn(manager: EntityManager, firing: Firing): Promise<FireResult> {
    const pipeline = await manager
      .getRepository(PipelineEntity)
      .findOne({ where: { id: firing.pipelineId }, lock: { mode: 'pessimistic_write' } });
    if (!pipeline) return { kind: 'gone' };
    // Read under the lock: firings of one pipeline get their times (and high-water marks) in the order decided.
    const now = firing.now ?? new Date();
    const records = manager.getRepository(TriggerRecordEntity);
    if (firing.dedupeKey !== undefined) {
      const seen = await records.findOneBy({ pipelineId: pipeline.id, dedupeKey: firing.dedupeKey });
      if (seen) {
        const job = seen.jobId ? await manager.getRepository(JobEntity).findOneBy({ id: seen.jobId }) : null;
        return { kind: 'recorded', record: seen, job, duplicate: true };
      }
    }
    const figures: TriggerFigures = { ...firing.figures };
    if (firing.minNewRows !== undefined) {
      const count = await newDataCount(manager, pipeline.id);
      if (count.rows < firing.minNewRows) return { kind: 'below_threshold', rowsSinceLastRun: count.rows };
      Object.assign(figures, {
        rowsSinceLastRun: count.rows,
        minNewRows: firing.minNewRows,
        highWaterMark: count.highWaterMark?.toISOString() ?? null,
      });
    }
    const record = (outcome: 'started' | 'suppressed', reason: SuppressionReason | null, message: string) =>
      records.create({
        id: randomUUID(),
        pipelineId: pipeline.id,
        team: pipeline.team,
        kind: firing.kind,
        firedAt: now,
        figures,
        outcome,
        reason,
        jobId: null,
        message,
        dedupeKey: firing.dedupeKey ?? null,
      });
    const suppressed = async (reason: SuppressionReason, message: string) => ({
      kind: 'recorded' as const,
      record: await records.save(record('suppressed', reason, message)),
      job: null,
      duplicate: false,
    });

    if (!pipeline.enabled) return suppressed('pipeline_disabled', `pipeline ${pipeline.name} is disabled`);
    if (firing.kind !== 'manual') {
      const guard = await this.runGuard(manager, pipeline, now);
      if (guard) {
        Object.assign(figures, guard.figures);
        return suppressed(guard.reason, guard.message);
      }
    }
    const load = await lockTeamLoad(manager, pipeline.team, firing.quota);
    if (load.full) {
      Object.assign(figures, { teamRunning: load.running, teamQueued: load.queued, teamLimit: load.limit });
      return suppressed('quota', quotaMessage(pipeline.team, load, firing.quota));
    }
    const version = await manager
      .getRepository(PipelineVersionEntity)
      .findOneByOrFail({ pipelineId: pipeline.id, version: pipeline.latestVersion });
    const started = record('started', null, `started a run of version ${version.version}`);
    const job = await createRun(manager, pipeline, version, started, firing, now);
    started.jobId = job.id;
    started.message = `started job ${job.id} (version ${version.version})`;
    await records.save(started);
    return { kind: 'recorded', record: started, job, duplicate: false };
  }

  /** Why a trigger (not a manual run) may not start a run now: one in progress, or the cool-down. */
  private async runGuard(
    manager: EntityManager,
    pipeline: PipelineEntity,
    now: Date,
  ): Promise<{ reason: SuppressionReason; message: string; figures: TriggerFigures } | null> {
    const jobs = manager.getRepository(JobEntity);
    const active = await jobs
      .createQueryBuilder('job')
      .where("job.pipeline_id = :id AND job.kind = 'train' AND job.state IN (:...states)", {
        id: pipeline.id,
        states: ACTIVE,
      })
      .orderBy('job.created_at', 'ASC')
      .getOne();
    if (active) {
      return {
        reason: 'run_in_progress',
        message: `job ${active.id} of this pipeline is still ${active.state}`,
        figures: { blockingJobId: active.id },
      };
    }
    if (pipeline.cooldownSeconds <= 0) return null;
    const last = await jobs
      .createQueryBuilder('job')
      .where("job.pipeline_id = :id AND job.kind = 'train' AND job.finished_at IS NOT NULL", {
        id: pipeline.id,
      })
      .orderBy('job.finished_at', 'DESC')
      .getOne();
    const until = last?.finishedAt ? last.finishedAt.getTime() + pipeline.cooldownSeconds * 1000 : 0;
    if (until <= now.getTime()) return null;
    return {
      reason: 'cooldown',
      message: `the last run ended at ${last?.finishedAt?.toISOString()}; the cool-down of ${pipeline.cooldownSeconds} s lasts until ${new Date(until).toISOString()}`,
      figures: { cooldownUntil: new Date(until).toISOString() },
    };
  }

  /**
   * Records rows that arrived; the caller then fires the new-data trigger if they reach its threshold.
   * False when the pipeline no longer exists.
   */
  async recordArrival(pipelineId: string, rows: number, source: string | null, at: Date): Promise<boolean> {
    const arrivals = this.dataSource.getRepository(DataArrivalEntity);
    try {
      await arrivals.insert({ pipelineId, rows: String(rows), source, at });
      return true;
    } catch (error) {
      // The pipeline was deleted meanwhile (foreign_key_violation): there is nothing to count the rows for.
      if ((error as { code?: string }).code === '23503') return false;
      throw error;
    }
  }

  /** Rows that arrived after the latest live run's high-water mark, and that mark. */
  newData(pipelineId: string): Promise<{ rows: number; highWaterMark: Date | null }> {
    return newDataCount(this.dataSource.manager, pipelineId);
  }

  /** Newest first. */
  async records(
    pipelineId: string,
    page: { limit: number; cursor?: { firedAt: Date; id: string } },
  ): Promise<TriggerRecordEntity[]> {
    const qb = this.dataSource
      .getRepository(TriggerRecordEntity)
      .createQueryBuilder('r')
      .where('r.pipeline_id = :pipelineId', { pipelineId });
    if (page.cursor) {
      qb.andWhere('(r.fired_at, r.id) < (:firedAt, :id)', page.cursor);
    }
    return qb.orderBy('r.fired_at', 'DESC').addOrderBy('r.id', 'DESC').limit(page.limit).getMany();
  }
}
