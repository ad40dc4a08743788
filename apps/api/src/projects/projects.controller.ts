import {
  API_ROUTES,
  type ProjectList,
  type ProjectVersion,
  type ProjectView,
  projectNameSchema,
} from '@ct/shared';
import { Controller, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { ProjectsService } from './projects.service.js';

const name = { schema: projectNameSchema };

/** The caller's team's uploaded projects (`ct project push`). */
@Controller()
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  /** 201 for a new version; 200 with the version recorded first when the same files come again. */
  @ApiRoute(API_ROUTES.uploadProject)
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Param('name', name) project: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProjectVersion> {
    const { version, created } = await this.projects.upload(principal, project, req.body);
    res.status(created ? 201 : 200);
    return version;
  }

  @ApiRoute(API_ROUTES.listProjects)
  list(@CurrentPrincipal() principal: Principal): Promise<ProjectList> {
    return this.projects.list(principal);
  }

  @ApiRoute(API_ROUTES.getProject)
  get(@CurrentPrincipal() principal: Principal, @Param('name', name) project: string): Promise<ProjectView> {
    return this.projects.get(principal, project);
  }
}
