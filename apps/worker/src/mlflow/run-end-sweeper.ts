import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { MlflowClient } from './mlflow-client.js';
import { openRunEnd } from './open-run-check.js';

const SWEEP_EVERY_MS = 5_000;
/** How often open runs are checked against their jobs: a search over every ct experiment. */
const OPEN_RUNS_EVERY_MS = 60_000;

/**
 * Delivers the MLflow run ends that MLflow did not take when their attempt ended (it was down, or the
 * attempt's worker was lost): every few seconds, oldest first, until MLflow accepts each. A run already
 * ended by someone else is left as it is. Any worker delivers any pending end. Once a minute it also looks
 * for runs still RUNNING whose attempt is over (whatever lost their end) and ends them.
 */
@Injectable()
export class RunEndSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RunEndSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | null = null;
  private stopped = false;
  // The first search waits a full period: a search over every ct experiment is heavy for a busy MLflow,
  // and many workers starting together (a deployment, a test suite) would all run one at once.
  private openRunsCheckedAt = Date.now();

  constructor(
    private readonly db: Database,
    private readonly mlflow: MlflowClient,
  ) {}

  onApplicationBootstrap(): void {
    this.db.ready().then(
      () => this.schedule(0),
      () => undefined,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** One pass; returns how many ends MLflow took. */
  sweep(): Promise<number> {
    this.sweeping ??= this.pass().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.sweep().catch((error: unknown) =>
        this.logger.warn(`run-end sweep: ${describeError(error)}`),
      );
      this.schedule(SWEEP_EVERY_MS);
    }, delayMs);
  }

  private async pass(): Promise<number> {
    if (Date.now() - this.openRunsCheckedAt >= OPEN_RUNS_EVERY_MS) {
      this.openRunsCheckedAt = Date.now();
      await this.endOpenRuns();
    }
    let delivered = 0;
    for (const end of await this.db.runEnds.due()) {
      if (this.stopped) break;
      try {
        const run = await this.mlflow.getRun(end.runId);
        // Only a run still open is ended: one a user or another party ended keeps its status.
        if (run !== null && (run.status === 'RUNNING' || run.status === 'SCHEDULED'))
          await this.mlflow.updateRun(end.runId, end.status, end.endTime.getTime());
        await this.db.runEnds.delivered(end.runId);
        delivered += 1;
        this.logger.log(`MLflow run ${end.runId} of job ${end.jobId ?? '?'} ended as ${end.status}`);
      } catch (error) {
        await this.db.runEnds.failedTry(end.runId, describeError(error));
        return delivered; // MLflow is likely down: the next pass tries again
      }
    }
    return delivered;
  }

  /** Ends every RUNNING run of ct's whose attempt is over. */
  async endOpenRuns(): Promise<number> {
    let ended = 0;
    for (const run of await this.mlflow.openJobRuns()) {
      const jobId = run.tags['ct.job_id'] ?? '';
      const attempt = Number(run.tags['ct.attempt']);
      const [job] = await this.db.jobs.getMany([jobId]);
      const status = openRunEnd(job ?? null, attempt, Date.now() - run.startTime);
      if (status === null) continue;
      await this.mlflow.updateRun(run.runId, status);
      ended += 1;
      this.logger.warn(
        `MLflow run ${run.runId} of job ${jobId} attempt ${attempt} was left RUNNING: ended as ${status}`,
      );
    }
    return ended;
  }
}
