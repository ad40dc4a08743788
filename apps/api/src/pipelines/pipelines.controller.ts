import {
  API_ROUTES,
  type CreatePipeline,
  createPipelineSchema,
  type DataArrival,
  type DataArrivalResult,
  dataArrivalSchema,
  type PageQuery,
  type Pipeline,
  type PipelinePage,
  type PipelineRun,
  type PipelineVersionList,
  pageQuerySchema,
  pipelineRefSchema,
  type StartPipelineRun,
  startPipelineRunSchema,
  type TriggerPage,
  type UpdatePipeline,
  updatePipelineSchema,
} from '@ct/shared';
import { Body, Controller, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelinesService } from './pipelines.service.js';

const ref = { schema: pipelineRefSchema };

/** Registered pipelines: their specs and versions, runs on demand, trigger records and data arrivals. */
@Controller()
export class PipelinesController {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly runs: PipelineRunsService,
  ) {}

  @ApiRoute(API_ROUTES.createPipeline)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: createPipelineSchema }) body: CreatePipeline,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Pipeline> {
    const pipeline = await this.pipelines.create(principal, body);
    res.location(`/v1/pipelines/${pipeline.id}`);
    return pipeline;
  }

  @ApiRoute(API_ROUTES.listPipelines)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query({ schema: pageQuerySchema }) query: PageQuery,
  ): Promise<PipelinePage> {
    return this.pipelines.list(principal, query);
  }

  @ApiRoute(API_ROUTES.getPipeline)
  get(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<Pipeline> {
    return this.pipelines.get(principal, id);
  }

  @ApiRoute(API_ROUTES.updatePipeline)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: updatePipelineSchema }) body: UpdatePipeline,
  ): Promise<Pipeline> {
    return this.pipelines.update(principal, id, body);
  }

  @ApiRoute(API_ROUTES.enablePipeline)
  enable(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<Pipeline> {
    return this.pipelines.setEnabled(principal, id, true);
  }

  @ApiRoute(API_ROUTES.disablePipeline)
  disable(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<Pipeline> {
    return this.pipelines.setEnabled(principal, id, false);
  }

  @ApiRoute(API_ROUTES.deletePipeline)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<void> {
    await this.pipelines.delete(principal, id);
  }

  @ApiRoute(API_ROUTES.listPipelineVersions)
  versions(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
  ): Promise<PipelineVersionList> {
    return this.pipelines.versions(principal, id);
  }

  @ApiRoute(API_ROUTES.startPipelineRun)
  run(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: startPipelineRunSchema }) body: StartPipelineRun,
  ): Promise<PipelineRun> {
    return this.runs.runNow(principal, id, body);
  }

  @ApiRoute(API_ROUTES.listPipelineTriggers)
  triggers(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Query({ schema: pageQuerySchema }) query: PageQuery,
  ): Promise<TriggerPage> {
    return this.pipelines.triggerRecords(principal, id, query);
  }

  @ApiRoute(API_ROUTES.recordDataArrival)
  arrivals(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: dataArrivalSchema }) body: DataArrival,
  ): Promise<DataArrivalResult> {
    return this.runs.arrived(principal, id, body);
  }
}
