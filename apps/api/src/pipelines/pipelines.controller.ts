import {
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
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelinesService } from './pipelines.service.js';

const ref = { schema: pipelineRefSchema };

@Controller('v1/pipelines')
export class PipelinesController {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly runs: PipelineRunsService,
  ) {}

  @Post()
  @Roles('submitter')
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: createPipelineSchema }) body: CreatePipeline,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Pipeline> {
    const pipeline = await this.pipelines.create(principal, body);
    res.status(201).location(`/v1/pipelines/${pipeline.id}`);
    return pipeline;
  }

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query({ schema: pageQuerySchema }) query: PageQuery,
  ): Promise<PipelinePage> {
    return this.pipelines.list(principal, query);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<Pipeline> {
    return this.pipelines.get(principal, id);
  }

  @Patch(':id')
  @Roles('submitter')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: updatePipelineSchema }) body: UpdatePipeline,
  ): Promise<Pipeline> {
    return this.pipelines.update(principal, id, body);
  }

  @Post(':id/enable')
  @Roles('submitter')
  @HttpCode(200)
  enable(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<Pipeline> {
    return this.pipelines.setEnabled(principal, id, true);
  }

  @Post(':id/disable')
  @Roles('submitter')
  @HttpCode(200)
  disable(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<Pipeline> {
    return this.pipelines.setEnabled(principal, id, false);
  }

  @Delete(':id')
  @Roles('submitter')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ref) id: string): Promise<void> {
    await this.pipelines.delete(principal, id);
  }

  @Get(':id/versions')
  versions(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
  ): Promise<PipelineVersionList> {
    return this.pipelines.versions(principal, id);
  }

  @Post(':id/runs')
  @Roles('submitter')
  @HttpCode(201)
  run(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: startPipelineRunSchema }) body: StartPipelineRun,
  ): Promise<PipelineRun> {
    return this.runs.runNow(principal, id, body);
  }

  @Get(':id/triggers')
  triggers(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Query({ schema: pageQuerySchema }) query: PageQuery,
  ): Promise<TriggerPage> {
    return this.pipelines.triggerRecords(principal, id, query);
  }

  @Post(':id/data-arrivals')
  @Roles('submitter')
  @HttpCode(202)
  arrivals(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ref) id: string,
    @Body({ schema: dataArrivalSchema }) body: DataArrival,
  ): Promise<DataArrivalResult> {
    return this.runs.arrived(principal, id, body);
  }
}
