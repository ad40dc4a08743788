import { LogStore } from '@ct/db';
import type { JobLogs } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { JobQueriesService } from './job-queries.service.js';

/** `GET /v1/jobs/:id/logs`: the captured output from byte `offset`, or its last `tail` bytes. */
@Injectable()
export class JobLogsService {
  constructor(
    private readonly logs: LogStore,
    private readonly queries: JobQueriesService,
  ) {}

  async read(principal: Principal, id: string, query: { offset?: number; tail?: number }): Promise<JobLogs> {
    await this.queries.visibleRow(principal, id);
    return this.logs.read(id, query);
  }
}
