import { type ProjectList, type ProjectVersion, type ProjectView, projectNameSchema } from '@ct/shared';
import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ProjectsService } from './projects.service.js';

const name = { schema: projectNameSchema };

/** The caller's team's uploaded projects (`ct project push`). */
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  /** 201 for a new version; 200 with the version recorded first when the same files come again. */
  @Post(':name')
  @Roles('submitter')
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

  @Get()
  list(@CurrentPrincipal() principal: Principal): Promise<ProjectList> {
    return this.projects.list(principal);
  }

  @Get(':name')
  get(@CurrentPrincipal() principal: Principal, @Param('name', name) project: string): Promise<ProjectView> {
    return this.projects.get(principal, project);
  }
}
