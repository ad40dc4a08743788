import { type JobEntity, JobStore, type ModelDecisionEntity, ModelDecisionStore } from '@ct/db';
import type { ModelDecision, ModelVersionView, ModelView } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { type Principal, teamScope } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import {
  MlflowRegistryClient,
  type RegisteredModel,
  type RegistryVersion,
} from './mlflow-registry.client.js';

/** The tag the pipeline puts on each version it registers: the job that made it. */
export const JOB_ID_TAG = 'ct.job_id';
const METRIC_TAG = /^metric\.(.+)$/;

/** A registered model the principal may see, its versions, and the jobs that made them. */
export interface VisibleModel {
  model: RegisteredModel;
  versions: RegistryVersion[];
  jobs: Map<string, JobEntity>;
}

/** `GET /v1/models/:name`, and the team check every models route goes through. */
@Injectable()
export class ModelsService {
  constructor(
    private readonly registry: MlflowRegistryClient,
    private readonly jobs: JobStore,
    private readonly decisions: ModelDecisionStore,
  ) {}

  async view(principal: Principal, name: string): Promise<ModelView> {
    return this.toView(await this.visible(principal, name));
  }

  /**
   * The model, if the principal's team owns it: its name starts with `<team>.` and no version was made by
   * another team's job (team names may contain dots). Otherwise not_found, like a model that does not exist.
   */
  async visible(principal: Principal, name: string): Promise<VisibleModel> {
    const team = teamScope(principal);
    const notFound = new ApiError('not_found', `no registered model named ${name}`);
    if (team !== null && !name.startsWith(`${team}.`)) throw notFound;
    const model = await this.registry.getModel(name);
    if (model === null) throw notFound;
    const versions = await this.registry.versions(name);
    const jobIds = versions.map((v) => v.tags[JOB_ID_TAG]).filter((id): id is string => id !== undefined);
    const jobs = new Map((await this.jobs.getMany(jobIds)).map((job) => [job.id, job]));
    if (team !== null && [...jobs.values()].some((job) => job.team !== team)) throw notFound;
    return { model, versions, jobs };
  }

  async toView({ model, versions }: VisibleModel): Promise<ModelView> {
    const decisions = await this.decisions.list(model.name);
    return {
      name: model.name,
      aliases: model.aliases,
      versions: versions.map((version) => toVersionView(version, model.aliases, decisions)),
    };
  }
}

function toVersionView(
  version: RegistryVersion,
  aliases: Record<string, string>,
  decisions: readonly ModelDecisionEntity[],
): ModelVersionView {
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(version.tags)) {
    const metric = METRIC_TAG.exec(key)?.[1];
    if (metric !== undefined && Number.isFinite(Number(value))) metrics[metric] = Number(value);
  }
  return {
    version: version.version,
    status: version.status,
    created: version.createdAt.toISOString(),
    metrics,
    tags: version.tags,
    jobId: version.tags[JOB_ID_TAG] ?? null,
    aliases: Object.keys(aliases).filter((alias) => aliases[alias] === version.version),
    decisions: decisions.filter((d) => d.version === version.version).map(toDecision),
  };
}

function toDecision(row: ModelDecisionEntity): ModelDecision {
  return {
    id: row.id,
    version: row.version,
    action: row.action,
    actor: row.actor,
    jobId: row.jobId,
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
  };
}
