import { type JobEntity, type PipelineEntity, PipelineStore, type PipelineVersionEntity } from '@ct/db';
import {
  type DataSection,
  JOB_LIMITS,
  type JobTask,
  monitoringConfigSchema,
  type QueuedJob,
  type SubmitMonitor,
  type SubmitScores,
} from '@ct/shared';
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { DependencyUnavailableError } from '../errors/dependency-error.js';
import { QuotaExceededError } from '../errors/quota-error.js';
import { JobQueriesService } from '../jobs/job-queries.service.js';
import { SubmitJobService } from '../jobs/submit-job.service.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import { TRIGGER_ACTOR } from '../pipelines/trigger-firings.js';
import { ModelRefCheck } from './model-ref-check.js';

/** What became of a monitoring schedule tick. */
type MonitorTickOutcome = 'created' | 'duplicate' | 'skipped' | 'refused' | 'gone';

/**
 * Score and monitor jobs of a registered pipeline: they run its latest version's spec with the model the
 * request names, and go through the same quota, audit and queueing as every job (to `ct-scoring`).
 */
@Injectable()
export class ScoringJobsService {
  private readonly logger = new Logger('ScoringJobs');

  constructor(
    private readonly pipelines: PipelinesService,
    private readonly store: PipelineStore,
    private readonly models: ModelRefCheck,
    private readonly submissions: SubmitJobService,
    private readonly queries: JobQueriesService,
  ) {}

  async score(principal: Principal, ref: string, body: SubmitScores): Promise<QueuedJob> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const version = await this.pipelines.latest(pipeline);
    checkWindow(body, body.source ?? version.spec.data);
    await this.models.versionOf(pipeline, body.model);
    const task: JobTask = {
      kind: 'score',
      model: body.model,
      source: body.source ?? null,
      // In UTC: an offset past ±15:59 (valid ISO 8601) would be refused by a Postgres source's query.
      since: utc(body.since),
      until: utc(body.until),
      rows: body.rows ?? null,
      keyColumn: body.keyColumn,
      mirrorToIris: body.mirrorToIris,
    };
    const job = await this.create(pipeline, version, task, principal.keyId, principal.keyId);
    return { job: await this.queries.toDto(job) };
  }

  async monitor(principal: Principal, ref: string, body: SubmitMonitor): Promise<QueuedJob> {
    const pipeline = await this.pipelines.visible(principal, ref);
    const version = await this.pipelines.latest(pipeline);
    const model = body?.model ?? 'champion';
    await this.models.versionOf(pipeline, model);
    const task = monitorTask(pipeline, model, body?.windowSeconds, new Date());
    const job = await this.create(pipeline, version, task, principal.keyId, principal.keyId);
    return { job: await this.queries.toDto(job) };
  }

  /**
   * A monitoring schedule tick: one monitor job per tick (its idempotency key is the tick), however many
   * times or processes take it. A pipeline without a champion yet is skipped (nothing to evaluate); one over
   * its team's quota is refused (audited), and the next tick evaluates its own window.
   */
  async tick(pipelineId: string, tickAt: Date): Promise<MonitorTickOutcome> {
    const pipeline = await this.store.get(pipelineId);
    if (!pipeline) return 'gone';
    const config = monitoringConfigSchema.parse(pipeline.monitoring ?? {});
    if (!pipeline.enabled || !config.schedule) {
      this.logger.warn(`a monitoring tick came for pipeline ${pipelineId}, which has no such schedule now`);
      return 'skipped';
    }
    if (!(await this.hasChampion(pipeline))) return 'skipped';
    const version = await this.pipelines.latest(pipeline);
    const task = monitorTask(pipeline, 'champion', undefined, tickAt);
    try {
      const { created } = await this.submissions.create(
        { team: pipeline.team, submittedBy: null, actor: TRIGGER_ACTOR },
        {
          ...submission(version, task, 'schedule', pipeline.id),
          idempotencyKey: `monitor:${pipeline.id}:${tickAt.getTime()}`,
        },
        auditFields(task, version),
      );
      return created ? 'created' : 'duplicate';
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      this.logger.warn(`monitoring tick of pipeline ${pipelineId} refused: ${error.message}`);
      return 'refused';
    }
  }

  /** MLflow unreachable: the job is made all the same, and waits for MLflow in the worker. */
  private async hasChampion(pipeline: PipelineEntity): Promise<boolean> {
    try {
      await this.models.versionOf(pipeline, 'champion');
      return true;
    } catch (error) {
      if (error instanceof DependencyUnavailableError) return true;
      if (!(error instanceof ApiError)) throw error;
      this.logger.log(`monitoring tick of pipeline ${pipeline.id} skipped: ${error.message}`);
      return false;
    }
  }

  private async create(
    pipeline: PipelineEntity,
    version: PipelineVersionEntity,
    task: JobTask,
    submittedBy: string,
    actor: string,
  ): Promise<JobEntity> {
    const { job } = await this.submissions.create(
      { team: pipeline.team, submittedBy, actor },
      submission(version, task, 'manual', pipeline.id),
      auditFields(task, version),
    );
    return job;
  }
}

/** A score or monitor job of the pipeline version, with the run options every job has by default. */
function submission(
  version: PipelineVersionEntity,
  task: JobTask,
  trigger: 'manual' | 'schedule',
  pipelineId: string,
) {
  return {
    spec: version.spec,
    priority: 100,
    timeoutSeconds: JOB_LIMITS.defaultTimeoutSeconds,
    maxAttempts: JOB_LIMITS.defaultMaxAttempts,
    tags: {},
    trigger,
    kind: task.kind,
    task,
    pipelineId,
    pipelineVersion: version.version,
  };
}

function auditFields(task: JobTask, version: PipelineVersionEntity) {
  return { kind: task.kind, model: task.model, pipelineVersion: version.version };
}

/** The window ending at `end`: the request's length, else the pipeline's monitoring window. */
function monitorTask(
  pipeline: PipelineEntity,
  model: string,
  windowSeconds: number | undefined,
  end: Date,
): JobTask {
  const seconds = windowSeconds ?? monitoringConfigSchema.parse(pipeline.monitoring ?? {}).windowSeconds;
  return {
    kind: 'monitor',
    model,
    windowStart: new Date(end.getTime() - seconds * 1000).toISOString(),
    windowEnd: end.toISOString(),
  };
}

/** `since`/`until` bound the source by its time column: a source without one cannot be bounded. */
function checkWindow(body: SubmitScores, source: DataSection): void {
  if (!body.since && !body.until) return;
  if ('time_column' in source && source.time_column) return;
  throw ApiError.validation([
    {
      path: body.since ? 'since' : 'until',
      message: `the ${body.source ? 'source' : "pipeline's source"} (${source.source}) has no time_column to bound`,
    },
  ]);
}

function utc(instant: string | undefined): string | null {
  return instant === undefined ? null : new Date(instant).toISOString();
}
