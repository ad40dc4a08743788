import { API_ROUTES } from '@ct/shared';
import { Controller, Header } from '@nestjs/common';
import { prometheusContentType } from 'prom-client';
import { ApiRoute } from '../http/api-route.decorator.js';
import { ApiMetrics } from './api-metrics.js';

/** Prometheus scrapes without a key: the figures name teams and pipelines, never jobs' data or keys. */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @ApiRoute(API_ROUTES.metrics)
  @Header('Content-Type', prometheusContentType)
  exposition(): Promise<string> {
    return this.metrics.exposition();
  }
}
