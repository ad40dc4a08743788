import type { WorkerList } from '@ct/shared';
import { Controller, Get } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { WorkersService } from './workers.service.js';

@Controller('v1/workers')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal): Promise<WorkerList> {
    return this.workers.list(principal);
  }
}
