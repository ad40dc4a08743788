import {
  type FireResult,
  type Firing,
  type PipelineEntity,
  PipelineTriggers,
  type TriggerRecordEntity,
} from '@ct/db';
import type { DataArrival, DataArrivalResult, PipelineRun, StartPipelineRun } from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import type { Principal } from '../auth/principal.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { ApiError } from '../errors/api-error.js';
import { JobQueriesService } from '../jobs/job-queries.service.js';
import { SubmitJobService } from '../jobs/submit-job.service.js';
import { ApiMetrics } from '../observability/api-metrics.js';
import { toNewDataState, toTriggerDto } from './pipelines.mapper.js';
import { PipelinesService } from './pipelines.service.js';

/** The actor of what triggers do on their own, in the audit trail. */
const TRIGGER_ACTOR = 'trigger';

/**
 * Starts pipeline runs: by hand, on a schedule tick, and when new data reaches a threshold. Every firing
 * is recorded with its outcome, in the same transaction as the job it starts (see `PipelineTriggers`).
 */
@Injectable()
export class PipelineRunsService {
  private readonly logger = new Logger('PipelineTriggers');

  constructor(
    private readonly triggers: PipelineTriggers,
    private readonly pipelines: PipelinesService,
    private readonly submissions: SubmitJobService,
    private readonly queries: JobQueriesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
    private readonly metrics: ApiMetrics,
  ) {}

  /** A manual run: 201 with the job, or the refusal (409 disabled, 429 quota), recorded either way. */
  async runNow(principal: Principal, ref: string, options: StartPipelineRun): Promise<PipelineRun> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const result = await this.fire(
      pipeline,
      {
        kind: 'manual',
        run: options ? { ...options, params: options.params ?? {} } : undefined,
        submittedBy: principal.keyId,
      },
      principal.keyId,
    );
    if (result.kind !== 'recorded') throw new ApiError('not_found', `no pipeline ${ref}`);
    const { record, job } = result;
    const trigger = toTriggerDto(record);
    // A manual run passes the run-in-progress and cool-down guards: only quota or a disabled pipeline stop it.
    if (!job && record.reason === 'quota') throw new ApiError('rate_limited', record.message, { trigger });
    if (!job) throw new ApiError('conflict', `${record.message}: enable it first`, { trigger });
    return { job: await this.queries.toDto(job), trigger };
  }

  /** Records the arrival, then fires the new-data trigger if the rows since the last run reach it. */
  async arrived(principal: Principal, ref: string, arrival: DataArrival): Promise<DataArrivalResult> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const at = arrival.at ? new Date(arrival.at) : new Date();
    if (!(await this.triggers.recordArrival(pipeline.id, arrival.rows, arrival.source ?? null, at)))
      throw new ApiError('not_found', `no pipeline ${ref}`);
    const record = await this.checkNewData(pipeline, {
      source: arrival.source ?? null,
      arrivedRows: arrival.rows,
    });
    const count = pipeline.triggers.newData ? await this.triggers.newData(pipeline.id) : null;
    return {
      rows: arrival.rows,
      at: at.toISOString(),
      newData: toNewDataState(pipeline, count),
      trigger: record ? toTriggerDto(record) : null,
    };
  }

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

  private async fire(
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
      await this.submissions.accepted(job, actor, {
        triggerId: record.id,
        pipelineVersion: job.pipelineVersion ?? 0,
      });
    return result;
  }
}
