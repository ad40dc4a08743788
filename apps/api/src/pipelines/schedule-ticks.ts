import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { TriggerQueue } from '../queues/trigger-queue.js';
import { PipelineRunsService } from './pipeline-runs.service.js';

/** Takes the schedule ticks BullMQ hands this API process and fires the pipelines' schedule triggers. */
@Injectable()
export class ScheduleTicks implements OnModuleInit {
  private readonly logger = new Logger('ScheduleTicks');

  constructor(
    private readonly queue: TriggerQueue,
    private readonly runs: PipelineRunsService,
  ) {}

  onModuleInit(): void {
    this.queue.onTick('pipeline', async (pipelineId, tickAt) => {
      const result = await this.runs.tick(pipelineId, tickAt);
      if (result.kind !== 'gone') return;
      // The pipeline was deleted while its scheduler lived on (Redis was away during the delete).
      this.logger.warn(
        `a tick came for pipeline ${pipelineId}, which no longer exists: removing its schedule`,
      );
      await this.queue.release(pipelineId, 'pipeline');
    });
  }
}
