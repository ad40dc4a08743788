import { MonitoringStore, type PipelineEntity, PredictionStore } from '@ct/db';
import type {
  GroundTruth,
  GroundTruthResult,
  PerformanceQuery,
  PerformanceSeries,
  PredictionPage,
  PredictionQuery,
} from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import type { Principal } from '../auth/principal.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import { toEvaluationDto, toPredictionDto } from './scoring.mapper.js';

// The audit event lists at most this many unknown row keys; the count is always there.
const AUDITED_UNKNOWN_KEYS = 20;

/** A pipeline's stored predictions, their ground truth, and its live performance series, within the team. */
@Injectable()
export class PredictionsService {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly predictions: PredictionStore,
    private readonly evaluations: MonitoringStore,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async list(principal: Principal, ref: string, query: PredictionQuery): Promise<PredictionPage> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const page = await this.predictions.page(owner(pipeline), query);
    return { items: page.items.map(toPredictionDto), nextCursor: page.nextCursor };
  }

  async recordGroundTruth(principal: Principal, ref: string, body: GroundTruth): Promise<GroundTruthResult> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const result = await this.predictions.recordGroundTruth(owner(pipeline), body);
    this.audit.info('ground_truth.recorded', {
      pipelineId: pipeline.id,
      team: pipeline.team,
      pipeline: pipeline.name,
      actor: principal.keyId,
      attached: result.attached,
      unchanged: result.unchanged,
      inserted: result.inserted,
      unknown: result.unknownKeys.length,
      ...(result.unknownKeys.length > 0
        ? { unknownKeys: result.unknownKeys.slice(0, AUDITED_UNKNOWN_KEYS).join(',') }
        : {}),
    });
    return result;
  }

  async performance(principal: Principal, ref: string, query: PerformanceQuery): Promise<PerformanceSeries> {
    const pipeline = await this.pipelines.visible(principal, ref);
    return { items: (await this.evaluations.series(pipeline.id, query.limit)).map(toEvaluationDto) };
  }
}

function owner(pipeline: PipelineEntity) {
  return { pipelineId: pipeline.id, team: pipeline.team };
}
