import { JobStore } from '@ct/db';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';

/** How often the teams' load deltas are vacuumed. */
export const TEAM_LOAD_VACUUM_MS = 1_000;

/**
 * Keeps the table behind every submission's quota check free of dead rows: vacuums `team_load_deltas` every
 * second (`JobStore.vacuumTeamLoad`, which says why). A vacuum that fails (Postgres down) is tried
 * again at the next tick; the warning is logged when the failure starts or changes, not every tick.
 */
@Injectable()
export class TeamLoadVacuum implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TeamLoadVacuum.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastProblem: string | null = null;

  constructor(private readonly jobs: JobStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.vacuum(), TEAM_LOAD_VACUUM_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One vacuum; a call while one runs joins it. Never throws. */
  vacuum(): Promise<void> {
    this.running ??= this.jobs
      .vacuumTeamLoad()
      .then(
        () => {
          this.lastProblem = null;
        },
        (error: unknown) => {
          const problem = error instanceof Error ? error.message : String(error);
          if (problem !== this.lastProblem)
            this.logger.warn(`could not vacuum team_load_deltas (tried again every second): ${problem}`);
          this.lastProblem = problem;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
