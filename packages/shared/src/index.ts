// The package root: ct's contracts, for every client of the API (the CLI among them) as much as for the apps.
// Only zod schemas, types, constants and pure functions: nothing here may import Node's modules, pino, the
// IRIS SDK or anything else a client does not need (entry-points.spec.ts fails if it does). The Node runtime
// lives behind the subpaths: `@ct/shared/audit` (and `/audit-module`, its Nest wiring), `/project-archive`,
// `/runtime`.
export * from './api/api-routes.js';
export * from './api/ct-client.js';
export * from './api/ct-client-errors.js';
export * from './api/event-stream.js';
export * from './api/model-routes.js';
export * from './api/openapi.js';
export * from './api/openapi-components.js';
export * from './api/pipeline-routes.js';
export * from './api/project-routes.js';
export * from './api/queue-routes.js';
export * from './api/route-contract.js';
export * from './api/route-url.js';
export * from './api/scoring-routes.js';
export * from './api/sse-parser.js';
export * from './auth/api-key.dto.js';
export * from './errors/error-codes.js';
export * from './health/health.dto.js';
export * from './jobs/failure-reason.js';
export * from './jobs/job.dto.js';
export * from './jobs/job-event.dto.js';
export * from './jobs/job-kind.js';
export * from './jobs/job-state.js';
export * from './jobs/pipeline-rules.js';
export * from './jobs/submit-job.dto.js';
export * from './jobs/training-spec.js';
export * from './jobs/training-spec-json-schema.js';
export * from './models/model-registry.dto.js';
export * from './pipeline/pipeline-event.js';
export * from './pipeline/pipeline-result.js';
export * from './pipelines/monitoring-config.js';
export * from './pipelines/pipeline.dto.js';
export * from './pipelines/schedule.js';
export * from './projects/project.dto.js';
export * from './queues/monitoring.dto.js';
export * from './queues/queues.js';
export * from './scoring/job-task.js';
export * from './scoring/monitoring.dto.js';
export * from './scoring/scoring.dto.js';
export * from './scoring/task-file.dto.js';
export * from './scoring/task-file-json-schema.js';
