import { ModelDecisionStore } from '@ct/db';
import {
  MODEL_ALIASES,
  type ModelDecisionAction,
  type ModelDecisionRequest,
  type ModelView,
} from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { type Principal, teamScope } from '../auth/principal.js';
import { ApiError } from '../errors/api-error.js';
import { aliasMoves, type DecisionKind } from './alias-moves.js';
import { MlflowRegistryClient } from './mlflow-registry.client.js';
import { JOB_ID_TAG, ModelsService, type VisibleModel } from './models.service.js';

export type { DecisionKind } from './alias-moves.js';

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
 *
 * A decision is a compare-and-set on the aliases: it applies only if the champion is the one the caller
 * expected (when it says), and if no alias moved between the check and the write (a pipeline's promotion or
 * another person's decision). MLflow has no conditional alias write, so the re-read comes right before it.
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
    request: ModelDecisionRequest,
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
    const seen = visible.model.aliases;
    const expected = request?.expectedChampion;
    if (expected !== undefined && (seen.champion ?? null) !== expected)
      throw conflict(name, seen, `the decision expected ${describeVersion(expected)} as champion`);
    const moves = aliasMoves(kind, version, found.status, seen, (why) => {
      return new ApiError('illegal_transition', `cannot ${kind} version ${version} of ${name}: ${why}`, {
        version,
        aliases: seen,
      });
    });
    if (moves.toChampion || moves.dropChallenger) await this.recheck(name, seen);
    if (moves.toChampion) await this.registry.setAlias(name, 'champion', version);
    if (moves.dropChallenger) await this.registry.deleteAlias(name, 'challenger');

    const team = job?.team ?? teamScope(principal) ?? name.slice(0, name.indexOf('.'));
    const actor = principal.keyId;
    const reason = request?.reason ?? null;
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
      previousChampion: seen.champion ?? null,
    });
    return this.models.toView(await this.refreshed(name, visible));
  }

  /** 409 conflict when an alias no longer points where the check saw it. */
  private async recheck(name: string, seen: Record<string, string>): Promise<void> {
    const now = (await this.registry.getModel(name))?.aliases ?? {};
    for (const alias of MODEL_ALIASES)
      if (now[alias] !== seen[alias])
        throw conflict(
          name,
          now,
          `${alias} moved from ${describeVersion(seen[alias] ?? null)} to ` +
            `${describeVersion(now[alias] ?? null)} while the decision was being made`,
        );
  }

  private async refreshed(name: string, before: VisibleModel): Promise<VisibleModel> {
    const model = await this.registry.getModel(name);
    return model === null ? before : { ...before, model };
  }
}

function conflict(name: string, aliases: Record<string, string>, what: string): ApiError {
  const champion = aliases.champion;
  const now =
    champion === undefined
      ? `${name} has no champion now`
      : `the champion of ${name} is now version ${champion}`;
  return new ApiError('conflict', `${what}, but ${now}; nothing was changed: look again and decide anew`, {
    aliases,
  });
}

function describeVersion(version: string | null): string {
  return version === null ? 'none' : `version ${version}`;
}
