import { API_ROUTES, type JobPosition, jobIdSchema } from '@ct/shared';
import { Controller, Param } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { JobPositionService } from './job-position.service.js';

@Controller()
export class JobPositionController {
  constructor(private readonly positions: JobPositionService) {}

  /** Where a job stands in the queue and why it has not started; another team's job is not found. */
  @ApiRoute(API_ROUTES.jobPosition)
  position(
    @CurrentPrincipal() principal: Principal,
    @Param('id', { schema: jobIdSchema }) jobId: string,
  ): Promise<JobPosition> {
    return this.positions.position(principal, jobId);
  }
}
