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
import {
  modelDecisionRequestSchema,
  modelNameSchema,
  modelSchema,
  modelVersionNumberSchema,
} from '../models/model-registry.dto.js';
import {
  cleanQueueResultSchema,
  cleanQueueSchema,
  jobPositionSchema,
  listQueueJobsQuerySchema,
  queueJobPageSchema,
  queueListSchema,
  queueNameSchema,
  queuePausedSchema,
  retryFailedResultSchema,
  retryFailedSchema,
  workerListSchema,
} from '../queues/monitoring.dto.js';
import { PIPELINE_ROUTES } from './pipeline-routes.js';
import { defineRoutes } from './route-contract.js';

const jobParams = z.strictObject({ id: jobIdSchema });
const queueParams = z.strictObject({ name: queueNameSchema });
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

/**
 * Every route the API serves, keyed by the name of the typed client's method. Adding a route to the API
 * means adding its entry here: a test compares this table with the routes Nest registered.
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
  listQueues: {
    method: 'GET',
    path: '/v1/queues',
    summary: 'Each queue: job counts by state, paused, live workers, recent outcomes, oldest waiting job',
    description: 'Queue-wide figures, the same for every key: they name no job.',
    tag: 'queues',
    auth: 'viewer',
    responses: { 200: queueListSchema },
    errors: [503],
  },
  listQueueJobs: {
    method: 'GET',
    path: '/v1/queues/:name/jobs',
    summary: "A queue's jobs in one BullMQ state, most recent first",
    description:
      "Only the key's team's jobs unless it is an admin key. The cursor is a position in BullMQ's list.",
    tag: 'queues',
    auth: 'viewer',
    params: queueParams,
    query: listQueueJobsQuerySchema,
    responses: { 200: queueJobPageSchema },
    errors: [404, 503],
  },
  pauseQueue: {
    method: 'POST',
    path: '/v1/queues/:name/pause',
    summary: 'Pause a queue: running jobs finish, no new job starts',
    tag: 'queues',
    auth: 'admin',
    params: queueParams,
    responses: { 200: queuePausedSchema },
    errors: [404, 503],
  },
  resumeQueue: {
    method: 'POST',
    path: '/v1/queues/:name/resume',
    summary: 'Resume a paused queue',
    tag: 'queues',
    auth: 'admin',
    params: queueParams,
    responses: { 200: queuePausedSchema },
    errors: [404, 503],
  },
  retryFailedJobs: {
    method: 'POST',
    path: '/v1/queues/:name/retry-failed',
    summary: 'Queue the failed jobs again, as POST /v1/jobs/:id/retry does for each',
    tag: 'queues',
    auth: 'admin',
    params: queueParams,
    body: retryFailedSchema,
    responses: { 200: retryFailedResultSchema },
    errors: [404, 503],
  },
  cleanQueue: {
    method: 'POST',
    path: '/v1/queues/:name/clean',
    summary: "Remove BullMQ's records of jobs that finished long enough ago (Postgres keeps the jobs)",
    tag: 'queues',
    auth: 'admin',
    params: queueParams,
    body: cleanQueueSchema,
    responses: { 200: cleanQueueResultSchema },
    errors: [404, 503],
  },
  listWorkers: {
    method: 'GET',
    path: '/v1/workers',
    summary: 'The live workers: host, pid, concurrency, running jobs, version, last heartbeat',
    description: "A non-admin key sees only its own team's ids among the running jobs.",
    tag: 'queues',
    auth: 'viewer',
    responses: { 200: workerListSchema },
    errors: [503],
  },
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
