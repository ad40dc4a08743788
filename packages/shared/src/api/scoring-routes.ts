import { z } from 'zod';
import { pipelineRefSchema } from '../pipelines/pipeline.dto.js';
import {
  performanceQuerySchema,
  performanceSeriesSchema,
  submitMonitorSchema,
} from '../scoring/monitoring.dto.js';
import {
  groundTruthResultSchema,
  groundTruthSchema,
  predictionPageSchema,
  predictionQuerySchema,
  queuedJobSchema,
  submitScoresSchema,
} from '../scoring/scoring.dto.js';
import { defineRoutes } from './route-contract.js';

const params = z.strictObject({ id: pipelineRefSchema });
const ref = '`:id` is the pipeline id or its name.';

/** The routes of the live loop: scoring, stored predictions, ground truth and monitoring. */
export const SCORING_ROUTES = defineRoutes({
  submitScores: {
    method: 'POST',
    path: '/v1/pipelines/:id/scores',
    summary:
      "Score rows with the pipeline's champion (or another alias or version); every prediction is stored",
    description:
      `${ref} 202 with the queued \`score\` job (queue \`ct-scoring\`). The rows are the pipeline's own source ` +
      '(bounded by `since`/`until` on its time column), another source, or up to 1,000 inline rows. A pipeline ' +
      'with no such model in the registry is 409 `conflict`; a team over its quota is 429 `rate_limited`.',
    tag: 'scoring',
    auth: 'submitter',
    params,
    body: submitScoresSchema,
    responses: { 202: queuedJobSchema },
    errors: [404, 409, 429, 503],
  },
  listPredictions: {
    method: 'GET',
    path: '/v1/pipelines/:id/predictions',
    summary: "The pipeline's stored predictions, newest first, with their ground truth once it arrived",
    tag: 'scoring',
    auth: 'viewer',
    params,
    query: predictionQuerySchema,
    responses: { 200: predictionPageSchema },
    errors: [404],
  },
  recordGroundTruth: {
    method: 'POST',
    path: '/v1/pipelines/:id/ground-truth',
    summary:
      'Attach observed outcomes to stored predictions by row key, or store outside prediction/outcome pairs',
    description:
      `${ref} Idempotent: sending the same outcome again changes nothing (\`unchanged\`). Row keys with no ` +
      'stored prediction are listed in `unknownKeys`, never dropped silently.',
    tag: 'scoring',
    auth: 'submitter',
    params,
    body: groundTruthSchema,
    responses: { 200: groundTruthResultSchema },
    errors: [404],
  },
  submitMonitor: {
    method: 'POST',
    path: '/v1/pipelines/:id/monitor',
    summary: "Evaluate the champion's live performance and data drift over a window of stored predictions",
    description:
      `${ref} 202 with the queued \`monitor\` job. Its metrics are logged to the MLflow experiment ` +
      '`ct/<team>/<pipeline>/monitoring` (one run per evaluation); a degradation trigger may start a retraining run.',
    tag: 'scoring',
    auth: 'submitter',
    params,
    body: submitMonitorSchema,
    responses: { 202: queuedJobSchema },
    errors: [404, 409, 429, 503],
  },
  getPerformance: {
    method: 'GET',
    path: '/v1/pipelines/:id/performance',
    summary: "The series of the pipeline's live evaluations, oldest first",
    tag: 'scoring',
    auth: 'viewer',
    params,
    query: performanceQuerySchema,
    responses: { 200: performanceSeriesSchema },
    errors: [404],
  },
});
