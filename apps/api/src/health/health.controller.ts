import { API_ROUTES, type Liveness, type Readiness } from '@ct/shared';
import { Controller, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiRoute } from '../http/api-route.decorator.js';
import { HealthService } from './health.service.js';

/** Liveness and readiness, which anyone may ask without a key. */
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @ApiRoute(API_ROUTES.live)
  live(): Liveness {
    return this.health.liveness();
  }

  /** 200 when Redis, Postgres and MLflow all answer; 503 with the ones that are down otherwise. */
  @ApiRoute(API_ROUTES.ready)
  async ready(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const readiness = await this.health.readiness();
    res.status(readiness.status === 'ready' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return readiness;
  }
}
