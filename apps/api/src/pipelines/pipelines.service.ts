import {
  decodeCursor,
  encodeCursor,
  type PipelineEntity,
  PipelineStatus,
  PipelineStore,
  PipelineTriggers,
  type PipelineVersionEntity,
  pageOf,
} from '@ct/db';
import {
  type CreatePipeline,
  type PageQuery,
  type Pipeline,
  type PipelinePage,
  type PipelineVersionList,
  registeredPipelineNameSchema,
  type TrainingSpec,
  type PipelineTriggers as TriggerConfig,
  type TriggerPage,
  type UpdatePipeline,
} from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { type Principal, teamScope } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { ChampionReader } from './champion-reader.js';
import { toPipelineDto, toTriggerDto, toVersionDto } from './pipelines.mapper.js';
import { ScheduleSync } from './schedule-sync.service.js';
import { pollProblem } from './source-row-counter.js';

/** Registering, reading, changing and deleting pipelines, within the caller's team. */
@Injectable()
export class PipelinesService {
  constructor(
    private readonly pipelines: PipelineStore,
    private readonly status: PipelineStatus,
    private readonly triggers: PipelineTriggers,
    private readonly schedules: ScheduleSync,
    private readonly champions: ChampionReader,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async create(principal: Principal, body: CreatePipeline): Promise<Pipeline> {
    const name = body.name ?? body.spec.pipeline;
    if (body.spec.pipeline !== name) {
      throw ApiError.validation([
        { path: 'spec.pipeline', message: `must be the pipeline's name (${name}) or the name left out` },
      ]);
    }
    // A name left out is spec.pipeline, which the schema checked as a pipeline name only (it may be a UUID).
    const named = registeredPipelineNameSchema.safeParse(name);
    if (!named.success) {
      const message = named.error.issues[0]?.message ?? 'is not a registered pipeline name';
      throw ApiError.validation([{ path: body.name === undefined ? 'spec.pipeline' : 'name', message }]);
    }
    const spec = body.promotion ? { ...body.spec, promotion: body.promotion } : body.spec;
    checkPolling(spec, body.triggers);
    const created = await this.pipelines.create(
      principal.team,
      {
        name,
        spec,
        schedule: body.schedule,
        triggers: body.triggers,
        cooldownSeconds: body.cooldownSeconds,
        monitoring: body.monitoring,
        enabled: body.enabled,
      },
      principal.keyId,
    );
    if (!created)
      throw new ApiError('conflict', `team ${principal.team} already has a pipeline named ${name}`);
    const { pipeline, version } = created;
    await this.schedules.sync(pipeline);
    this.audit.info(
      'pipeline.created',
      this.fields(pipeline, principal, { version: version.version, hash: version.hash }),
    );
    return this.view(pipeline, version);
  }

  async list(principal: Principal, page: PageQuery): Promise<PipelinePage> {
    const { items, nextCursor } = await this.pipelines.list(teamScope(principal), page);
    const ids = items.map((pipeline) => pipeline.id);
    const [versions, runs, triggers, newData] = await Promise.all([
      this.pipelines.latestVersions(items),
      this.status.lastRuns(ids),
      this.status.lastTriggers(ids),
      this.status.newData(
        items.filter((pipeline) => pipeline.triggers.newData).map((pipeline) => pipeline.id),
      ),
    ]);
    const now = new Date();
    return {
      items: items.flatMap((pipeline) => {
        const version = versions.get(pipeline.id);
        if (!version) return [];
        return [
          toPipelineDto(
            pipeline,
            {
              version,
              lastRun: runs.get(pipeline.id) ?? null,
              lastTrigger: triggers.get(pipeline.id) ?? null,
              newData: newData.get(pipeline.id) ?? null,
            },
            now,
          ),
        ];
      }),
      nextCursor,
    };
  }

  async get(principal: Principal, ref: string): Promise<Pipeline> {
    const pipeline = await this.visible(principal, ref);
    const version = await this.latest(pipeline);
    return this.view(pipeline, version, await this.champions.read(pipeline, version.spec));
  }

  async update(principal: Principal, ref: string, body: UpdatePipeline): Promise<Pipeline> {
    const pipeline = await this.visible(principal, ref);
    let spec = body.spec;
    if (spec && spec.pipeline !== pipeline.name) {
      throw ApiError.validation([
        { path: 'spec.pipeline', message: `must be the pipeline's name (${pipeline.name})` },
      ]);
    }
    if (body.promotion) spec = { ...(spec ?? (await this.latest(pipeline)).spec), promotion: body.promotion };
    if (spec || body.triggers)
      checkPolling(spec ?? (await this.latest(pipeline)).spec, body.triggers ?? pipeline.triggers);
    const updated = await this.pipelines.update(pipeline.id, { ...body, spec }, principal.keyId);
    if (!updated) throw ApiError.notFound('pipeline', ref);
    await this.schedules.sync(updated.pipeline);
    const event =
      body.enabled === undefined
        ? 'pipeline.updated'
        : body.enabled
          ? 'pipeline.enabled'
          : 'pipeline.disabled';
    this.audit.info(
      event,
      this.fields(updated.pipeline, principal, {
        version: updated.version.version,
        changed: Object.keys(body).sort().join(','),
      }),
    );
    return this.view(updated.pipeline, updated.version);
  }

  setEnabled(principal: Principal, ref: string, enabled: boolean): Promise<Pipeline> {
    return this.update(principal, ref, { enabled });
  }

  async delete(principal: Principal, ref: string): Promise<void> {
    const pipeline = await this.visible(principal, ref);
    if (!(await this.pipelines.delete(pipeline.id))) throw ApiError.notFound('pipeline', ref);
    await this.schedules.sync({ ...pipeline, enabled: false });
    this.audit.info('pipeline.deleted', this.fields(pipeline, principal));
  }

  async versions(principal: Principal, ref: string): Promise<PipelineVersionList> {
    const pipeline = await this.visible(principal, ref);
    return { items: (await this.pipelines.versions(pipeline.id)).map(toVersionDto) };
  }

  async triggerRecords(principal: Principal, ref: string, page: PageQuery): Promise<TriggerPage> {
    const pipeline = await this.visible(principal, ref);
    const cursor = page.cursor ? decodeCursor(page.cursor) : undefined;
    const rows = await this.triggers.records(pipeline.id, {
      limit: page.limit + 1,
      cursor: cursor ? { firedAt: cursor.createdAt, id: cursor.id } : undefined,
    });
    const { items, nextCursor } = pageOf(rows, page.limit, (last) =>
      encodeCursor({ createdAt: last.firedAt, id: last.id }),
    );
    return { items: items.map(toTriggerDto), nextCursor };
  }

  /**
   * A pipeline the principal may see, by id or name. Another team's pipeline is "not found", exactly like
   * one that does not exist. @throws ApiError not_found.
   */
  async visible(principal: Principal, ref: string): Promise<PipelineEntity> {
    const pipeline = await this.pipelines.find(ref, teamScope(principal), principal.team);
    if (!pipeline) throw new ApiError('not_found', `no pipeline ${ref}`);
    return pipeline;
  }

  /** The pipeline's view with its latest run, trigger and new-data state read now. */
  async view(
    pipeline: PipelineEntity,
    version: PipelineVersionEntity,
    champion: Pick<Pipeline, 'champion' | 'championUnavailable'> = {},
  ): Promise<Pipeline> {
    const [runs, triggers, newData] = await Promise.all([
      this.status.lastRuns([pipeline.id]),
      this.status.lastTriggers([pipeline.id]),
      pipeline.triggers.newData ? this.triggers.newData(pipeline.id) : Promise.resolve(null),
    ]);
    return toPipelineDto(pipeline, {
      version,
      lastRun: runs.get(pipeline.id) ?? null,
      lastTrigger: triggers.get(pipeline.id) ?? null,
      newData,
      ...champion,
    });
  }

  /** The pipeline's newest spec version. @throws ApiError not_found when the pipeline went meanwhile. */
  async latest(pipeline: PipelineEntity): Promise<PipelineVersionEntity> {
    const version = await this.pipelines.version(pipeline.id, pipeline.latestVersion);
    if (!version) throw new ApiError('not_found', `no pipeline ${pipeline.id}`);
    return version;
  }

  private fields(
    pipeline: PipelineEntity,
    principal: Principal,
    extra: Record<string, string | number> = {},
  ) {
    return {
      pipelineId: pipeline.id,
      team: pipeline.team,
      pipeline: pipeline.name,
      actor: principal.keyId,
      ...extra,
    };
  }
}

/** A new-data trigger that polls needs a source the platform can count. @throws ApiError validation_failed. */
function checkPolling(spec: TrainingSpec, triggers: TriggerConfig): void {
  if (triggers.newData?.pollSeconds === undefined) return;
  const problem = pollProblem(spec);
  if (problem) throw ApiError.validation([{ path: 'triggers.newData.pollSeconds', message: problem }]);
}
