import {
  API_ROUTES,
  type ModelDecisionRequest,
  type ModelView,
  modelDecisionRequestSchema,
  modelNameSchema,
  modelVersionNumberSchema,
} from '@ct/shared';
import { Body, Controller, Param } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { ModelDecisionsService } from './model-decisions.service.js';
import { ModelsService } from './models.service.js';

const name = { schema: modelNameSchema };
const version = { schema: modelVersionNumberSchema };
const body = { schema: modelDecisionRequestSchema };

/** The MLflow registered models of the caller's team (`<team>.<pipeline>`), and decisions on their versions. */
@Controller()
export class ModelsController {
  constructor(
    private readonly models: ModelsService,
    private readonly decisions: ModelDecisionsService,
  ) {}

  @ApiRoute(API_ROUTES.getModel)
  get(@CurrentPrincipal() principal: Principal, @Param('name', name) model: string): Promise<ModelView> {
    return this.models.view(principal, model);
  }

  /** The challenger becomes champion. */
  @ApiRoute(API_ROUTES.approveModelVersion)
  approve(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) model: string,
    @Param('version', version) v: string,
    @Body(body) request: ModelDecisionRequest,
  ): Promise<ModelView> {
    return this.decisions.decide('approve', principal, model, v, request);
  }

  /** The version stops being challenger; the champion stays. */
  @ApiRoute(API_ROUTES.rejectModelVersion)
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) model: string,
    @Param('version', version) v: string,
    @Body(body) request: ModelDecisionRequest,
  ): Promise<ModelView> {
    return this.decisions.decide('reject', principal, model, v, request);
  }

  /** Any ready version becomes champion: a rollback or a roll forward. */
  @ApiRoute(API_ROUTES.promoteModelVersion)
  promote(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) model: string,
    @Param('version', version) v: string,
    @Body(body) request: ModelDecisionRequest,
  ): Promise<ModelView> {
    return this.decisions.decide('promote', principal, model, v, request);
  }
}
