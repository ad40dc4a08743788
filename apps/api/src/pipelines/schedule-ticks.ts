import { Injectable, type OnModuleInit } from '@nestjs/common';
import { TriggerQueue } from '../queues/trigger-queue.js';
import { TriggerFirings } from './trigger-firings.js';

/** Takes the schedule ticks BullMQ hands this API process and fires the pipelines' schedule triggers. */
@Injectable()
export class ScheduleTicks implements OnModuleInit {
  constructor(
    private readonly queue: TriggerQueue,
    private readonly firings: TriggerFirings,
  ) {}

  onModuleInit(): void {
    this.queue.onTick(
      'pipeline',
      async (pipelineId, tickAt) => (await this.firings.tick(pipelineId, tickAt)).kind !== 'gone',
    );
  }
}
