import { Inject, Injectable, Logger } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { sweepWorkDirs } from './work-dir-sweep.js';

/**
 * Kills what a worker of this host left running when it died, and removes its work and exchange dirs: once
 * per process, before any queue is consumed.
 */
@Injectable()
export class LeftoverSweep {
  private readonly logger = new Logger(LeftoverSweep.name);
  private sweeping: Promise<void> | null = null;

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  done(): Promise<void> {
    this.sweeping ??= this.sweep();
    return this.sweeping;
  }

  private async sweep(): Promise<void> {
    const swept = await sweepWorkDirs(this.config.workDir, (message) => this.logger.warn(message));
    if (swept.removed.length > 0)
      this.logger.warn(
        `cleaned up after dead workers: ${swept.removed.length} work dirs removed, ${swept.killed.length} pipeline process groups killed`,
      );
  }
}
