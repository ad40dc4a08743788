import { type JobPosition, jobIdSchema } from '@ct/shared';
import { Controller, Get, Param } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { JobPositionService } from './job-position.service.js';

@Controller('v1/jobs')
export class JobPositionController {
  constructor(private readonly positions: JobPositionService) {}

  /** Where a job stands in the queue and why it has not started; another team's job is not found. */
  @Get(':id/position')
  position(
    @CurrentPrincipal() principal: Principal,
    @Param('id', { schema: jobIdSchema }) jobId: string,
  ): Promise<JobPosition> {
    return this.positions.position(principal, jobId);
  }
}
