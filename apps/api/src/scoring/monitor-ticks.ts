import { Injectable, type OnModuleInit } from '@nestjs/common';
import { TriggerQueue } from '../queues/trigger-queue.js';
import { ScoringJobsService } from './scoring-jobs.service.js';

/** Takes the monitoring schedule ticks BullMQ hands this API process and makes their monitor jobs. */
@Injectable()
export class MonitorTicks implements OnModuleInit {
  constructor(
    private readonly queue: TriggerQueue,
    private readonly jobs: ScoringJobsService,
  ) {}

  onModuleInit(): void {
    this.queue.onTick(
      'monitor',
      async (pipelineId, tickAt) => (await this.jobs.tick(pipelineId, tickAt)) !== 'gone',
    );
  }
}
