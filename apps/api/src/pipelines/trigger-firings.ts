import {
  type FireResult,
  type Firing,
  type PipelineEntity,
  PipelineTriggers,
  type TriggerRecordEntity,
} from '@ct/db';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { AcceptedJobs } from '../jobs/accepted-jobs.js';
import { ApiMetrics } from '../observability/api-metrics.js';

/** The actor of what triggers and schedules do on their own, in the audit trail. */
export const TRIGGER_ACTOR = 'trigger';

/**
 * Fires pipelines' triggers: a manual run, a schedule tick, new data reaching a threshold. Every firing is
 * recorded with its outcome, in the same transaction as the job it starts (see `PipelineTriggers`), then
 * counted, audited and logged; the job it starts is queued.
 */
@Injectable()
export class TriggerFirings {
  private readonly logger = new Logger(TriggerFirings.name);

  constructor(
    private readonly triggers: PipelineTriggers,
    private readonly accepted: AcceptedJobs,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
    private readonly metrics: ApiMetrics,
  ) {}

  /**
   * Fires the new-data trigger when its threshold is reached; the record, or null when nothing fired. A poll
   * passes the time it counted up to, which becomes the run's high-water mark.
   */
  async checkNewData(
    pipeline: PipelineEntity,
    figures: Record<string, string | number | null> = {},
    now?: Date,
  ): Promise<TriggerRecordEntity | null> {
    const newData = pipeline.triggers.newData;
    if (!newData) return null;
    const result = await this.fire(
      pipeline,
      { kind: 'new_data', minNewRows: newData.minNewRows, figures, now },
      TRIGGER_ACTOR,
    );
    return result.kind === 'recorded' ? result.record : null;
  }

  /** A schedule tick: one record (and at most one run) per tick, however many processes take it. */
  async tick(pipelineId: string, tickAt: Date): Promise<FireResult> {
    return this.fire(
      { id: pipelineId },
      {
        kind: 'schedule',
        dedupeKey: `schedule:${tickAt.getTime()}`,
        figures: { tickAt: tickAt.toISOString() },
      },
      TRIGGER_ACTOR,
    );
  }

  async fire(
    pipeline: Pick<PipelineEntity, 'id'>,
    firing: Omit<Firing, 'pipelineId' | 'quota'>,
    actor: string,
  ): Promise<FireResult> {
    const result = await this.triggers.fire({
      ...firing,
      pipelineId: pipeline.id,
      quota: this.config.teamQuota,
    });
    if (result.kind !== 'recorded' || result.duplicate) return result;
    const { record, job } = result;
    const fields = {
      pipelineId: record.pipelineId,
      team: record.team,
      trigger: record.kind,
      triggerId: record.id,
      actor,
      outcome: record.outcome,
      ...(record.reason ? { reason: record.reason } : {}),
      ...(job ? { jobId: job.id, pipeline: job.pipeline } : {}),
    };
    this.metrics.triggerFired(record.team, record.kind, record.outcome, record.reason);
    if (record.outcome === 'started') this.audit.info('trigger.fired', fields);
    else this.audit.warning('trigger.suppressed', { ...fields, message: record.message });
    this.logger.log(
      `pipeline ${record.pipelineId} ${record.kind} trigger: ${record.outcome}${record.reason ? ` (${record.reason})` : ''}: ${record.message}`,
    );
    if (job)
      await this.accepted.dispatch(job, actor, {
        triggerId: record.id,
        pipelineVersion: job.pipelineVersion ?? 0,
      });
    return result;
  }
}
