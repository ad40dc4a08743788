import { ModelDecisionStore } from '@ct/db';
import type { AuditLogger, ModelDecisionAction, ModelView } from '@ct/shared';
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { type Principal, teamScope } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { MlflowRegistryClient } from './mlflow-registry.client.js';
import { JOB_ID_TAG, ModelsService, type VisibleModel } from './models.service.js';

export type DecisionKind = 'approve' | 'reject' | 'promote';

const ACTION: Record<DecisionKind, ModelDecisionAction> = {
  approve: 'approved',
  reject: 'rejected',
  promote: 'promoted_manually',
};

const AUDIT_EVENT: Record<DecisionKind, string> = {
  approve: 'model.approved',
  reject: 'model.rejected',
  promote: 'model.promoted',
};

/**
 * A person's decision on a model version: approve a challenger (it becomes champion), reject it (it stops
 * being challenger), or promote any ready version (a rollback or a roll forward). No key decides on a
 * version that a job it submitted made. Each decision is recorded with its actor.
 */
@Injectable()
export class ModelDecisionsService {
  constructor(
    private readonly models: ModelsService,
    private readonly registry: MlflowRegistryClient,
    private readonly decisions: ModelDecisionStore,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async decide(
    kind: DecisionKind,
    principal: Principal,
    name: string,
    version: string,
    reason: string | null,
  ): Promise<ModelView> {
    const visible = await this.models.visible(principal, name);
    const found = visible.versions.find((v) => v.version === version);
    if (!found) throw new ApiError('not_found', `${name} has no version ${version}`);
    const jobId = found.tags[JOB_ID_TAG] ?? null;
    const job = jobId === null ? undefined : visible.jobs.get(jobId);
    if (job?.submittedBy === principal.keyId)
      throw new ApiError(
        'forbidden',
        `version ${version} of ${name} was made by job ${job.id}, which this key submitted; another key must decide on it`,
      );
    const { champion, challenger } = visible.model.aliases;
    const illegal = (why: string) =>
      new ApiError('illegal_transition', `cannot ${kind} version ${version} of ${name}: ${why}`, {
        version,
        aliases: visible.model.aliases,
      });
    switch (kind) {
      case 'approve':
        if (challenger !== version) throw illegal('only the current challenger can be approved');
        await this.registry.setAlias(name, 'champion', version);
        await this.registry.deleteAlias(name, 'challenger');
        break;
      case 'reject':
        if (champion === version) throw illegal('it is the champion; promote another version instead');
        if (challenger === version) await this.registry.deleteAlias(name, 'challenger');
        break;
      case 'promote':
        if (found.status !== 'READY') throw illegal(`its status is ${found.status}, not READY`);
        if (champion === version) throw illegal('it is already the champion');
        await this.registry.setAlias(name, 'champion', version);
        if (challenger === version) await this.registry.deleteAlias(name, 'challenger');
        break;
    }
    const team = job?.team ?? teamScope(principal) ?? name.slice(0, name.indexOf('.'));
    const actor = principal.keyId;
    await this.decisions.record({
      registeredModel: name,
      version,
      team,
      action: ACTION[kind],
      actor,
      jobId,
      reason,
    });
    this.audit.info(AUDIT_EVENT[kind], {
      model: name,
      version,
      team,
      actor,
      jobId,
      reason,
      previousChampion: champion ?? null,
    });
    return this.models.toView(await this.refreshed(name, visible));
  }

  private async refreshed(name: string, before: VisibleModel): Promise<VisibleModel> {
    const model = await this.registry.getModel(name);
    return model === null ? before : { ...before, model };
  }
}
