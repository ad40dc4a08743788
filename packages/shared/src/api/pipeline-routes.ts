import { z } from 'zod';
import {
  createPipelineSchema,
  dataArrivalResultSchema,
  dataArrivalSchema,
  pageQuerySchema,
  pipelinePageSchema,
  pipelineRefSchema,
  pipelineRunSchema,
  pipelineSchema,
  pipelineVersionListSchema,
  startPipelineRunSchema,
  triggerPageSchema,
  updatePipelineSchema,
} from '../pipelines/pipeline.dto.js';
import { defineRoutes } from './route-contract.js';

const params = z.strictObject({ id: pipelineRefSchema });
const ref = '`:id` is the pipeline id or its name.';

/** The state changes of a pipeline that share everything but their path and words. */
function toggle(action: 'enable' | 'disable', summary: string) {
  return {
    method: 'POST',
    path: `/v1/pipelines/:id/${action}`,
    summary,
    description: `${ref} Its schedule is added to or removed from BullMQ at once.`,
    tag: 'pipelines',
    auth: 'submitter',
    params,
    responses: { 200: pipelineSchema },
    errors: [404],
  } as const;
}

/** The routes of registered pipelines and their triggers. */
export const PIPELINE_ROUTES = defineRoutes({
  createPipeline: {
    method: 'POST',
    path: '/v1/pipelines',
    summary: 'Register a pipeline: its spec (version 1), schedule, triggers and guards',
    description:
      'The registered model is `<team>.<name>`. A name the team already uses is 409 `conflict`. The schedule ' +
      "is a cron expression (5 fields, or 6 with seconds) in an IANA time zone, run by BullMQ's job schedulers.",
    tag: 'pipelines',
    auth: 'submitter',
    body: createPipelineSchema,
    responses: { 201: pipelineSchema },
    errors: [409],
  },
  listPipelines: {
    method: 'GET',
    path: '/v1/pipelines',
    summary: "The team's pipelines, by name",
    tag: 'pipelines',
    auth: 'viewer',
    query: pageQuerySchema,
    responses: { 200: pipelinePageSchema },
  },
  getPipeline: {
    method: 'GET',
    path: '/v1/pipelines/:id',
    summary: 'A pipeline: latest version, champion, last run, next scheduled time, trigger states',
    description: `${ref} The champion is read from the MLflow registry.`,
    tag: 'pipelines',
    auth: 'viewer',
    params,
    responses: { 200: pipelineSchema },
    errors: [404],
  },
  updatePipeline: {
    method: 'PATCH',
    path: '/v1/pipelines/:id',
    summary: 'Change a pipeline; a changed spec or promotion policy makes a new version',
    description: `${ref} Runs already started keep the version they started with.`,
    tag: 'pipelines',
    auth: 'submitter',
    params,
    body: updatePipelineSchema,
    responses: { 200: pipelineSchema },
    errors: [404],
  },
  enablePipeline: toggle('enable', 'Enable a pipeline: its triggers fire again'),
  disablePipeline: toggle(
    'disable',
    'Disable a pipeline: triggers record their firings as suppressed and start nothing',
  ),
  deletePipeline: {
    method: 'DELETE',
    path: '/v1/pipelines/:id',
    summary: 'Delete a pipeline, its versions, trigger records and schedule',
    description: `${ref} Its jobs stay (they keep the pipeline id), and so does its registered model in MLflow.`,
    tag: 'pipelines',
    auth: 'submitter',
    params,
    responses: { 204: null },
    errors: [404],
  },
  listPipelineVersions: {
    method: 'GET',
    path: '/v1/pipelines/:id/versions',
    summary: "A pipeline's spec versions, newest first",
    tag: 'pipelines',
    auth: 'viewer',
    params,
    responses: { 200: pipelineVersionListSchema },
    errors: [404],
  },
  startPipelineRun: {
    method: 'POST',
    path: '/v1/pipelines/:id/runs',
    summary: 'Run the latest version now (trigger `manual`)',
    description:
      `${ref} 201 with the job and its trigger record. A disabled pipeline is 409 \`conflict\`; a team over ` +
      'its quota of queued and running jobs is 429 `rate_limited`. Either way the refusal is recorded as a ' +
      'suppressed trigger.',
    tag: 'pipelines',
    auth: 'submitter',
    params,
    body: startPipelineRunSchema,
    responses: { 201: pipelineRunSchema },
    errors: [404, 409, 429],
  },
  listPipelineTriggers: {
    method: 'GET',
    path: '/v1/pipelines/:id/triggers',
    summary: "A pipeline's trigger records, newest first: what fired, the figures, and the outcome",
    tag: 'pipelines',
    auth: 'viewer',
    params,
    query: pageQuerySchema,
    responses: { 200: triggerPageSchema },
    errors: [404],
  },
  recordDataArrival: {
    method: 'POST',
    path: '/v1/pipelines/:id/data-arrivals',
    summary: 'Record rows that arrived; a new-data trigger fires when they reach its threshold',
    description:
      `${ref} 202 with the rows counted since the last run and the trigger record when this arrival fired ` +
      'the trigger (started, or suppressed and why).',
    tag: 'pipelines',
    auth: 'submitter',
    params,
    body: dataArrivalSchema,
    responses: { 202: dataArrivalResultSchema },
    errors: [404],
  },
});
