import { JobStore } from '@ct/db';
import type { WorkerList } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { type Principal, teamScope } from '../auth/principal.js';
import { WorkerRegistry } from './worker-registry.js';

/**
 * `GET /v1/workers`. Any key sees the workers (hosts and load are not a team's secret); the ids of running
 * jobs are a team's, so a non-admin key sees only its own team's among them.
 */
@Injectable()
export class WorkersService {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly jobs: JobStore,
  ) {}

  async list(principal: Principal): Promise<WorkerList> {
    const workers = await this.registry.live();
    const team = teamScope(principal);
    const running = workers.flatMap((worker) => worker.runningJobIds);
    const visible =
      team === null
        ? null
        : new Set((await this.jobs.getMany(running)).filter((job) => job.team === team).map((job) => job.id));
    return {
      items: workers.map(({ heartbeatIntervalMs: _interval, ...worker }) => ({
        ...worker,
        runningJobIds:
          visible === null ? worker.runningJobIds : worker.runningJobIds.filter((id) => visible.has(id)),
        busySlots: worker.runningJobIds.length,
      })),
    };
  }
}
