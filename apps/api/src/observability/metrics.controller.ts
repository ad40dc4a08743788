import { Controller, Get, Header } from '@nestjs/common';
import { prometheusContentType } from 'prom-client';
import { Public } from '../auth/auth.decorators.js';
import { ApiMetrics } from './api-metrics.js';

/** Prometheus scrapes without a key: the figures name teams and pipelines, never jobs' data or keys. */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Header('Content-Type', prometheusContentType)
  exposition(): Promise<string> {
    return this.metrics.exposition();
  }
}
