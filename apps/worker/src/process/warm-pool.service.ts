import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { matplotlibConfigDir } from './child-env.js';
import { withThreadBudget } from './thread-budget.js';
import { WarmPool } from './warm-pool.js';

// A fork request is answered in milliseconds; a server that takes this long is stuck.
const FORK_TIMEOUT_MS = 10_000;
const CODE_CHECK_MS = 2_000;

/**
 * The worker's warm pool (WORKER_PYTHON_POOL=1), opened once the worker is up and drained on shutdown,
 * after the jobs have stopped (shutdown hooks run after every processor's `onModuleDestroy`).
 */
@Injectable()
export class WarmPoolService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly pool: WarmPool | null;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    metrics: WorkerMetrics,
  ) {
    this.pool = config.pythonPool
      ? new WarmPool(
          {
            python: config.pipelinePython,
            threadEnv: withThreadBudget(config.threadEnv, config.concurrency),
            mplConfigDir: matplotlibConfigDir(config.modelCacheDir),
            forkTimeoutMs: FORK_TIMEOUT_MS,
            codeCheckMs: CODE_CHECK_MS,
          },
          metrics,
        )
      : null;
    const pool = this.pool;
    if (pool) metrics.watchPoolMemory(() => pool.memory());
  }

  onApplicationBootstrap(): void {
    this.pool?.open();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.close(this.config.killGraceMs + 5_000);
  }
}
