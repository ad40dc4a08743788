import { PipelineTriggers } from '@ct/db';
import type { DataArrival, DataArrivalResult, PipelineRun, StartPipelineRun } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { QuotaExceededError } from '../errors/quota-error.js';
import { JobQueriesService } from '../jobs/job-queries.service.js';
import { toNewDataState, toTriggerDto } from './pipelines.mapper.js';
import { PipelinesService } from './pipelines.service.js';
import { TriggerFirings } from './trigger-firings.js';

/** What a team asks of its pipelines' triggers: a run now, and new data that has arrived. */
@Injectable()
export class PipelineRunsService {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly firings: TriggerFirings,
    private readonly triggers: PipelineTriggers,
    private readonly queries: JobQueriesService,
  ) {}

  /** A manual run: 201 with the job, or the refusal (409 disabled, 429 quota), recorded either way. */
  async runNow(principal: Principal, ref: string, options: StartPipelineRun): Promise<PipelineRun> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const result = await this.firings.fire(
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
    if (!job && record.reason === 'quota') throw new QuotaExceededError(record.message, { trigger });
    if (!job) throw new ApiError('conflict', `${record.message}: enable it first`, { trigger });
    return { job: await this.queries.toDto(job), trigger };
  }

  /** Records the arrival, then fires the new-data trigger if the rows since the last run reach it. */
  async arrived(principal: Principal, ref: string, arrival: DataArrival): Promise<DataArrivalResult> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const at = arrival.at ? new Date(arrival.at) : new Date();
    if (!(await this.triggers.recordArrival(pipeline.id, arrival.rows, arrival.source ?? null, at)))
      throw new ApiError('not_found', `no pipeline ${ref}`);
    const record = await this.firings.checkNewData(pipeline, {
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
}
