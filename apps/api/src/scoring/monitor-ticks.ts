import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { TriggerQueue } from '../queues/trigger-queue.js';
import { ScoringJobsService } from './scoring-jobs.service.js';

/** Takes the monitoring schedule ticks BullMQ hands this API process and makes their monitor jobs. */
@Injectable()
export class MonitorTicks implements OnModuleInit {
  private readonly logger = new Logger('MonitorTicks');

  constructor(
    private readonly queue: TriggerQueue,
    private readonly jobs: ScoringJobsService,
  ) {}

  onModuleInit(): void {
    this.queue.onTick('monitor', async (pipelineId, tickAt) => {
      const outcome = await this.jobs.tick(pipelineId, tickAt);
      if (outcome !== 'gone') return;
      // The pipeline was deleted while its scheduler lived on (Redis was away during the delete).
      this.logger.warn(
        `a monitoring tick came for pipeline ${pipelineId}, which no longer exists: removing its schedule`,
      );
      await this.queue.release(pipelineId, 'monitor');
    });
  }
}
