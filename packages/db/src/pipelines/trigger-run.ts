import { randomUUID } from 'node:crypto';
import type { TrainingSpec } from '@ct/shared';
import type { EntityManager } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import type { PipelineEntity } from '../entities/pipeline.entity.js';
import type { PipelineVersionEntity } from '../entities/pipeline-version.entity.js';
import type { TriggerRecordEntity } from '../entities/trigger-record.entity.js';
import { appendEvent } from '../store/event-store.js';
import { pinProject } from '../store/project-store.js';
import type { Firing } from './pipeline-triggers.js';

/** The options of the job a firing starts. */
export interface RunOptions {
  priority: number;
  timeoutSeconds: number;
  maxAttempts: number;
  params: Record<string, string | number | boolean | null>;
}

const DEFAULT_RUN: RunOptions = { priority: 100, timeoutSeconds: 3600, maxAttempts: 3, params: {} };

/** The run's job: the version's spec, read up to the high-water mark when the data has a time column. */
export async function createRun(
  manager: EntityManager,
  pipeline: PipelineEntity,
  version: PipelineVersionEntity,
  record: TriggerRecordEntity,
  firing: Pick<Firing, 'kind' | 'run' | 'submittedBy' | 'dataSince'>,
  now: Date,
): Promise<JobEntity> {
  const run = firing.run ?? DEFAULT_RUN;
  const jobs = manager.getRepository(JobEntity);
  const spec = boundedSpec(firing.dataSince ? specSince(version.spec, firing.dataSince) : version.spec, now);
  // The project's version as of this run. One that cannot be named (an `@<prefix>` no longer matching
  // exactly one) is left as it is: the worker fails the job, visibly, saying so.
  const pinned = await pinProject(manager, pipeline.team, spec);
  const job = await jobs.save(
    jobs.create({
      id: randomUUID(),
      team: pipeline.team,
      pipeline: pipeline.name,
      state: 'queued',
      trigger: firing.kind,
      spec: 'spec' in pinned ? pinned.spec : spec,
      params: run.params,
      priority: run.priority,
      timeoutSeconds: run.timeoutSeconds,
      maxAttempts: run.maxAttempts,
      idempotencyKey: null,
      tags: {},
      submittedBy: firing.submittedBy ?? null,
      pipelineId: pipeline.id,
      pipelineVersion: version.version,
      triggerId: record.id,
      dataHighWater: now,
    }),
  );
  await appendEvent(manager, job.id, 0, {
    type: 'state',
    state: 'queued',
    failureReason: null,
    message: `started by the ${firing.kind} trigger of pipeline ${pipeline.name}`,
  });
  return job;
}

/** A tabular source with a time column reads from `since` on (a degradation trigger's window start). */
function specSince(spec: TrainingSpec, since: Date): TrainingSpec {
  const data = spec.data as TrainingSpec['data'] & { time_column?: string };
  if (!('time_column' in data) || data.time_column === undefined) return spec;
  return { ...spec, data: { ...data, since: since.toISOString() } } as TrainingSpec;
}

/** A tabular source with a time column reads up to `until` (the high-water mark) unless the spec bounds it. */
export function boundedSpec(spec: TrainingSpec, highWater: Date): TrainingSpec {
  const data = spec.data as TrainingSpec['data'] & { time_column?: string; since?: string; until?: string };
  if (!('time_column' in data) || data.time_column === undefined || data.until !== undefined) return spec;
  // A window that starts after the mark would be refused by the spec's own check: left to its `since`.
  if ('since' in data && data.since !== undefined && Date.parse(data.since) > highWater.getTime())
    return spec;
  return { ...spec, data: { ...data, until: highWater.toISOString() } } as TrainingSpec;
}
