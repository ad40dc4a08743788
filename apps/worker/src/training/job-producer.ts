import type { JobEntity } from '@ct/db';
import { QueueName, queueOfKind, trainingJobOptions } from '@ct/shared';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { withTimeout } from '../redis/with-timeout.js';

const ADD_TIMEOUT_MS = 5_000;

/**
 * Queues jobs the worker itself starts (a degradation trigger's retraining run). BullMQ's producer side,
 * beside the processors' consumer side: like the API's, it adds a job row that is already committed, so a
 * failure leaves it to the API's reconciler, which queues every queued row that Redis lacks.
 */
@Injectable()
export class JobProducer implements OnModuleDestroy {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly redis: RedisConnection,
  ) {}

  async add(job: JobEntity): Promise<void> {
    const { queue: name, name: jobName } = queueOfKind(job.kind);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis.redis, prefix: this.config.bullmqPrefix });
      this.queues.set(name, queue);
    }
    await withTimeout(
      queue.add(jobName, { jobId: job.id, team: job.team }, trainingJobOptions(job)),
      ADD_TIMEOUT_MS,
      `queueing job ${job.id} in ${name}`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map((queue) =>
        withTimeout(queue.close(), 2_000, 'closing').catch(() => undefined),
      ),
    );
  }
}
