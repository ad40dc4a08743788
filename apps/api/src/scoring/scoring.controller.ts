import {
  API_ROUTES,
  type GroundTruth,
  type GroundTruthResult,
  groundTruthSchema,
  type PerformanceQuery,
  type PerformanceSeries,
  type PredictionPage,
  type PredictionQuery,
  performanceQuerySchema,
  pipelineRefSchema,
  predictionQuerySchema,
  type QueuedJob,
  type SubmitMonitor,
  type SubmitScores,
  submitMonitorSchema,
  submitScoresSchema,
} from '@ct/shared';
import { Body, Controller, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { PredictionsService } from './predictions.service.js';
import { ScoringJobsService } from './scoring-jobs.service.js';

const ref = { schema: pipelineRefSchema };

/** The live loop of a registered pipeline: scoring, its predictions, ground truth and monitoring. */
@Controller()
export class ScoringController {
  constructor(
    private readonly jobs: ScoringJobsService,
    private readonly predictions: PredictionsService,
  ) {}

  /** 202 with the queued score job; Location is the job. */
  @ApiRoute(API_ROUTES.submitScores)
  async score(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: submitScoresSchema }) body: SubmitScores,
    @Res({ passthrough: true }) res: Response,
  ): Promise<QueuedJob> {
    return located(res, await this.jobs.score(principal, id, body));
  }

  @ApiRoute(API_ROUTES.listPredictions)
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Query({ schema: predictionQuerySchema }) query: PredictionQuery,
  ): Promise<PredictionPage> {
    return this.predictions.list(principal, id, query);
  }

  @ApiRoute(API_ROUTES.recordGroundTruth)
  groundTruth(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: groundTruthSchema }) body: GroundTruth,
  ): Promise<GroundTruthResult> {
    return this.predictions.recordGroundTruth(principal, id, body);
  }

  /** 202 with the queued monitor job; Location is the job. */
  @ApiRoute(API_ROUTES.submitMonitor)
  async monitor(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: submitMonitorSchema }) body: SubmitMonitor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<QueuedJob> {
    return located(res, await this.jobs.monitor(principal, id, body));
  }

  @ApiRoute(API_ROUTES.getPerformance)
  performance(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Query({ schema: performanceQuerySchema }) query: PerformanceQuery,
  ): Promise<PerformanceSeries> {
    return this.predictions.performance(principal, id, query);
  }
}

function located(res: Response, queued: QueuedJob): QueuedJob {
  res.location(`/v1/jobs/${queued.job.id}`);
  return queued;
}
