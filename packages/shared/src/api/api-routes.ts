import { z } from 'zod';
import {
  apiKeyIdSchema,
  apiKeyListSchema,
  createApiKeySchema,
  createdApiKeySchema,
} from '../auth/api-key.dto.js';
import { livenessSchema, readinessSchema } from '../health/health.dto.js';
import {
  jobIdSchema,
  jobLogsQuerySchema,
  jobLogsSchema,
  jobPageSchema,
  jobSchema,
  listJobsQuerySchema,
} from '../jobs/job.dto.js';
import { eventIdSchema, jobEventSchema, jobEventsQuerySchema } from '../jobs/job-event.dto.js';
import { isFinished } from '../jobs/job-state.js';
import { submitJobSchema } from '../jobs/submit-job.dto.js';
import { jobPositionSchema } from '../queues/monitoring.dto.js';
import { MODEL_ROUTES } from './model-routes.js';
import { PIPELINE_ROUTES } from './pipeline-routes.js';
import { PROJECT_ROUTES } from './project-routes.js';
import { QUEUE_ROUTES } from './queue-routes.js';
import { defineRoutes } from './route-contract.js';
import { SCORING_ROUTES } from './scoring-routes.js';

const jobParams = z.strictObject({ id: jobIdSchema });

/**
 * Every route the API serves, keyed by the name of the typed client's method. Adding a route to the API
 * means adding its entry here (or to the table of its area, spread in below): a test compares this table with
 * the routes Nest registered.
 */
export const API_ROUTES = defineRoutes({
  live: {
    method: 'GET',
    path: '/health/live',
    summary: 'The process answers',
    tag: 'health',
    auth: 'public',
    responses: { 200: livenessSchema },
  },
  metrics: {
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics: HTTP request durations, jobs submitted, queue depth by state, live workers',
    description:
      'The text exposition format. Each worker serves its own job counters on WORKER_METRICS_PORT.',
    tag: 'health',
    auth: 'public',
    contentType: 'text/plain; version=0.0.4',
    responses: { 200: z.string() },
  },
  ready: {
    method: 'GET',
    path: '/health/ready',
    summary: 'Whether Redis, Postgres and MLflow all answer',
    description: '200 when every dependency is up; 503 with the same report, naming those that are down.',
    tag: 'health',
    auth: 'public',
    responses: { 200: readinessSchema, 503: readinessSchema },
  },
  createKey: {
    method: 'POST',
    path: '/v1/keys',
    summary: 'Create an API key for a team',
    description: 'The answer is the only time the key itself is shown.',
    tag: 'keys',
    auth: 'admin',
    body: createApiKeySchema,
    responses: { 201: createdApiKeySchema },
  },
  listKeys: {
    method: 'GET',
    path: '/v1/keys',
    summary: 'List API keys (never the keys themselves)',
    tag: 'keys',
    auth: 'admin',
    responses: { 200: apiKeyListSchema },
  },
  revokeKey: {
    method: 'DELETE',
    path: '/v1/keys/:id',
    summary: 'Revoke an API key',
    tag: 'keys',
    auth: 'admin',
    params: z.strictObject({ id: apiKeyIdSchema }),
    responses: { 204: null },
    errors: [404],
  },
  submitJob: {
    method: 'POST',
    path: '/v1/jobs',
    summary: 'Submit a training job',
    description:
      '201 with a Location header for a new job; 200 with the first job when the idempotency key was used before.',
    tag: 'jobs',
    auth: 'submitter',
    body: submitJobSchema,
    responses: { 201: jobSchema, 200: jobSchema },
    errors: [503],
  },
  listJobs: {
    method: 'GET',
    path: '/v1/jobs',
    summary: "List the team's jobs, newest first",
    tag: 'jobs',
    auth: 'viewer',
    query: listJobsQuerySchema,
    responses: { 200: jobPageSchema },
  },
  getJob: {
    method: 'GET',
    path: '/v1/jobs/:id',
    summary: 'Get a job',
    tag: 'jobs',
    auth: 'viewer',
    params: jobParams,
    responses: { 200: jobSchema },
    errors: [404],
  },
  cancelJob: {
    method: 'POST',
    path: '/v1/jobs/:id/cancel',
    summary: 'Cancel a job',
    description: '200 when cancelled at once (it was queued); 202 when a worker has been asked to stop it.',
    tag: 'jobs',
    auth: 'submitter',
    params: jobParams,
    responses: { 200: jobSchema, 202: jobSchema },
    errors: [404, 409, 503],
  },
  retryJob: {
    method: 'POST',
    path: '/v1/jobs/:id/retry',
    summary: 'Queue a failed or cancelled job again',
    tag: 'jobs',
    auth: 'submitter',
    params: jobParams,
    responses: { 202: jobSchema },
    errors: [404, 409, 503],
  },
  jobLogs: {
    method: 'GET',
    path: '/v1/jobs/:id/logs',
    summary: "A job's captured output, from a byte offset or its tail",
    tag: 'jobs',
    auth: 'viewer',
    params: jobParams,
    query: jobLogsQuerySchema,
    responses: { 200: jobLogsSchema },
    errors: [404],
  },
  jobEvents: {
    method: 'GET',
    path: '/v1/jobs/:id/events',
    summary: "Follow a job's events (Server-Sent Events)",
    description:
      'Stored events after `?after=` or the `Last-Event-ID` header, then new ones as they happen; the server ' +
      'ends the stream once the job is finished and its final state event was sent. `event:` is the type, ' +
      '`id:` the event id to resume from, `data:` a JobEvent as JSON.',
    tag: 'jobs',
    auth: 'viewer',
    params: jobParams,
    query: jobEventsQuerySchema,
    headers: z.object({ 'Last-Event-ID': eventIdSchema.optional() }),
    responses: { 200: null },
    errors: [404, 503],
    stream: {
      event: jobEventSchema,
      id: eventIdSchema,
      isFinal: (event: z.output<typeof jobEventSchema>) => event.type === 'state' && isFinished(event.state),
    },
  },
  ...MODEL_ROUTES,
  ...QUEUE_ROUTES,
  jobPosition: {
    method: 'GET',
    path: '/v1/jobs/:id/position',
    summary: 'Where a job stands in its queue, and why it has not started',
    tag: 'jobs',
    auth: 'viewer',
    params: jobParams,
    responses: { 200: jobPositionSchema },
    errors: [404, 503],
  },
  ...PIPELINE_ROUTES,
  ...PROJECT_ROUTES,
  ...SCORING_ROUTES,
});

/** The names of the routes, which are also the typed client's methods. */
export type ApiRouteName = keyof typeof API_ROUTES;
export type ApiRoutes = typeof API_ROUTES;

/** What the OpenAPI document says about the API as a whole. */
export const API_INFO = {
  title: 'ct API',
  version: '0.1.0',
  description:
    'Continuous training: submit and follow training jobs, manage API keys, decide on model versions. ' +
    'No string sent to the API (body, query or path) may contain the NUL character (U+0000) or an unpaired ' +
    'UTF-16 surrogate (a `\\ud800` escape alone in JSON): the database cannot store them, and such a request ' +
    'is answered 400 `validation_failed` naming the field.',
} as const;
