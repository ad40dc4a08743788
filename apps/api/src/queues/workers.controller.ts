import { API_ROUTES, type WorkerList } from '@ct/shared';
import { Controller } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { ApiRoute } from '../http/api-route.decorator.js';
import { WorkersService } from './workers.service.js';

@Controller()
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @ApiRoute(API_ROUTES.listWorkers)
  list(@CurrentPrincipal() principal: Principal): Promise<WorkerList> {
    return this.workers.list(principal);
  }
}
