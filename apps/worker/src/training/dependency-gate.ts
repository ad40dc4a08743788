import type { JobEntity } from '@ct/db';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import { heldBack, type Outcome } from './training-outcome.js';

export type GatedDependency = 'mlflow' | 'postgres';

const PROBE_TIMEOUT_MS = 3_000;
const PROBE_EVERY_MS = 2_000;
const REUSE_PROBE_MS = 1_000;
/** How soon a job held back by an outage is tried again. */
export const OUTAGE_RETRY_DELAY_MS = 5_000;

/**
 * A dependency outage pauses work instead of failing it: while MLflow or Postgres does not answer, no job
 * starts (each is handed back to BullMQ, delayed, without using an attempt) and a job hit by the outage
 * mid-run waits the same way, up to DEPENDENCY_OUTAGE_BUDGET_MS counted from the first time it was held
 * back; then it fails with `infrastructure`. The worker keeps checking each job, so the budget is enforced
 * even when the outage never ends. A probe is reused for a second, so a backlog of jobs starting (or
 * held back) together does not probe once each; and an MLflow call of the worker's answered in the last
 * second (the previous job's run end, say) counts as MLflow's probe, so back-to-back jobs do not probe it
 * once each either.
 */
@Injectable()
export class DependencyGate implements OnApplicationShutdown {
  private readonly logger = new Logger(DependencyGate.name);
  private down: GatedDependency[] = [];
  private checkedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly mlflow: MlflowClient,
    private readonly db: Database,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  get unavailable(): readonly GatedDependency[] {
    return this.down;
  }

  /** Probes both dependencies; while any is down, probes again every 2 s until all answer. */
  async check(fresh = false): Promise<readonly GatedDependency[]> {
    if (!fresh && Date.now() - this.checkedAt < REUSE_PROBE_MS) return this.down;
    this.checkedAt = Date.now();
    const [mlflow, postgres] = await Promise.all([
      // Fresh (after a failure): a real probe, whatever answered a moment ago.
      (!fresh && this.mlflow.answeredWithin(REUSE_PROBE_MS)) || this.mlflow.reachable(PROBE_TIMEOUT_MS),
      this.db.reachable(PROBE_TIMEOUT_MS),
    ]);
    const down = [...(mlflow ? [] : ['mlflow' as const]), ...(postgres ? [] : ['postgres' as const])];
    if (down.join() !== this.down.join()) {
      if (down.length > 0)
        this.logger.warn(`${down.join(' and ')} unreachable: taking no new jobs until back`);
      else this.logger.log(`${this.down.join(' and ')} back: jobs run again`);
      this.down = down;
    }
    clearTimeout(this.timer);
    if (down.length > 0) this.timer = setTimeout(() => void this.check(true), PROBE_EVERY_MS);
    return down;
  }

  /** Whether a job first held back at `since` may still wait. */
  withinBudget(since: Date | null): boolean {
    return since === null || Date.now() - since.getTime() < this.config.outageBudgetMs;
  }

  /**
   * An attempt that failed on the infrastructure while a dependency is down is held back: queued again
   * without using up the attempt, until the outage budget is spent.
   */
  async holdBack(outcome: Outcome, job: JobEntity): Promise<Outcome> {
    const retryable = outcome.then === 'retry' || outcome.then === 'fail';
    if (outcome.failureReason !== 'infrastructure' || !retryable) return outcome;
    // Fresh: a probe of a moment ago may predate the outage that failed this attempt.
    const down = await this.check(true);
    if (down.length === 0 || !this.withinBudget(job.waitingSince)) return outcome;
    return heldBack(
      `${down.join(' and ')} unreachable: the job waits for it without using an attempt (${outcome.message})`,
      { waitReason: 'dependency_unavailable', waitingSince: job.waitingSince ?? new Date() },
      outcome.runStatus,
      OUTAGE_RETRY_DELAY_MS,
    );
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
  }
}
