import type {
  JobEntity,
  NewDataCount,
  PipelineEntity,
  PipelineVersionEntity,
  TriggerRecordEntity,
} from '@ct/db';
import {
  monitoringConfigSchema,
  nextTick,
  type Pipeline,
  type PipelineVersion,
  registeredModelName,
  type TriggerRecord,
} from '@ct/shared';

/**
 * Next ticks by schedule, each kept until it passes: parsing a cron expression in a time zone costs about
 * 0.1 ms, which a page of 200 pipelines would pay on every request.
 */
class NextTicks {
  private readonly ticks = new Map<string, Date | null>();

  after(schedule: { cron: string; timezone: string }, now: Date): Date | null {
    const key = `${schedule.timezone} ${schedule.cron}`;
    const known = this.ticks.get(key);
    if (known !== undefined && (known === null || known.getTime() > now.getTime())) return known;
    if (this.ticks.size >= MAX_CACHED_SCHEDULES) this.ticks.clear();
    const next = nextTick(schedule, now);
    this.ticks.set(key, next);
    return next;
  }
}

const MAX_CACHED_SCHEDULES = 10_000;
const nextTicks = new NextTicks();

/** What a pipeline's view is made of besides its row. */
interface PipelineParts {
  version: PipelineVersionEntity;
  lastRun: JobEntity | null;
  lastTrigger: TriggerRecordEntity | null;
  newData: NewDataCount | null;
  champion?: Pipeline['champion'];
  championUnavailable?: string;
}

export function toPipelineDto(pipeline: PipelineEntity, parts: PipelineParts, now = new Date()): Pipeline {
  const { version, lastRun, lastTrigger, newData } = parts;
  return {
    id: pipeline.id,
    team: pipeline.team,
    name: pipeline.name,
    enabled: pipeline.enabled,
    schedule: pipeline.schedule,
    triggers: pipeline.triggers,
    cooldownSeconds: pipeline.cooldownSeconds,
    // Stored as given: the schema fills what an older or partial row leaves out.
    monitoring: monitoringConfigSchema.parse(pipeline.monitoring ?? {}),
    promotion: version.spec.promotion,
    registeredModel: registeredModelName(pipeline.team, pipeline.name),
    latestVersion: {
      version: version.version,
      hash: version.hash,
      createdBy: version.createdBy,
      createdAt: version.createdAt.toISOString(),
    },
    spec: version.spec,
    nextRunAt: pipeline.enabled && pipeline.schedule ? iso(nextTicks.after(pipeline.schedule, now)) : null,
    lastRun: lastRun
      ? {
          jobId: lastRun.id,
          state: lastRun.state,
          trigger: lastRun.trigger,
          pipelineVersion: lastRun.pipelineVersion,
          createdAt: lastRun.createdAt.toISOString(),
          finishedAt: iso(lastRun.finishedAt),
          failureReason: lastRun.failureReason,
        }
      : null,
    lastTrigger: lastTrigger ? toTriggerDto(lastTrigger) : null,
    newData: toNewDataState(pipeline, newData),
    ...(parts.champion !== undefined ? { champion: parts.champion } : {}),
    ...(parts.championUnavailable !== undefined ? { championUnavailable: parts.championUnavailable } : {}),
    createdAt: pipeline.createdAt.toISOString(),
    updatedAt: pipeline.updatedAt.toISOString(),
  };
}

/** Where the pipeline's new-data trigger stands; null when it has none (or nothing was counted). */
export function toNewDataState(
  pipeline: Pick<PipelineEntity, 'triggers' | 'polledUntil' | 'pollError'>,
  count: NewDataCount | null,
): Pipeline['newData'] {
  const trigger = pipeline.triggers.newData;
  if (!trigger || !count) return null;
  return {
    minNewRows: trigger.minNewRows,
    rowsSinceLastRun: count.rows,
    highWaterMark: iso(count.highWaterMark),
    pollSeconds: trigger.pollSeconds ?? null,
    ...(trigger.pollSeconds ? { polledUntil: iso(pipeline.polledUntil), pollError: pipeline.pollError } : {}),
  };
}

export function toTriggerDto(record: TriggerRecordEntity): TriggerRecord {
  return {
    id: record.id,
    pipelineId: record.pipelineId,
    kind: record.kind,
    firedAt: record.firedAt.toISOString(),
    figures: record.figures,
    outcome: record.outcome,
    reason: record.reason,
    jobId: record.jobId,
    message: record.message,
  };
}

export function toVersionDto(version: PipelineVersionEntity): PipelineVersion {
  return {
    version: version.version,
    hash: version.hash,
    spec: version.spec,
    createdBy: version.createdBy,
    createdAt: version.createdAt.toISOString(),
  };
}

function iso(date: Date | null): string | null {
  return date?.toISOString() ?? null;
}
