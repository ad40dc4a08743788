import { z } from 'zod';
import {
  modelDecisionRequestSchema,
  modelNameSchema,
  modelSchema,
  modelVersionNumberSchema,
} from '../models/model-registry.dto.js';
import { defineRoutes } from './route-contract.js';

const modelParams = z.strictObject({ name: modelNameSchema });
const modelVersionParams = z.strictObject({ name: modelNameSchema, version: modelVersionNumberSchema });

/** The three decisions on a model version share everything but their path and words. */
function modelDecision(action: 'approve' | 'reject' | 'promote', summary: string, description: string) {
  return {
    method: 'POST',
    path: `/v1/models/:name/versions/:version/${action}`,
    summary,
    description:
      `${description} With \`expectedChampion\` the decision applies only if the champion is still that ` +
      'version (or still none). When it is not, or when an alias moves while the decision is being made, ' +
      'the answer is 409 `conflict` naming the current champion, and nothing changes.',
    tag: 'models',
    auth: 'approver',
    params: modelVersionParams,
    body: modelDecisionRequestSchema,
    responses: { 200: modelSchema },
    errors: [404, 409, 503],
  } as const;
}

/** The routes of registered models: a team's model, and the decisions on its versions. */
export const MODEL_ROUTES = defineRoutes({
  getModel: {
    method: 'GET',
    path: '/v1/models/:name',
    summary: "A team's registered model: aliases and versions with their metrics and decisions",
    tag: 'models',
    auth: 'viewer',
    params: modelParams,
    responses: { 200: modelSchema },
    errors: [404, 503],
  },
  approveModelVersion: modelDecision(
    'approve',
    'Approve the challenger',
    'The challenger becomes champion. A key may not approve a version made by a job it submitted.',
  ),
  rejectModelVersion: modelDecision(
    'reject',
    'Reject the challenger',
    'The version stops being challenger; the champion stays.',
  ),
  promoteModelVersion: modelDecision(
    'promote',
    'Promote any ready version to champion',
    'A rollback or a roll forward.',
  ),
});
