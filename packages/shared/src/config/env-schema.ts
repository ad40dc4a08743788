import { LOCAL_DEFAULTS } from './common-env.js';

// The environment schemas, one file per app beside the variables they share; this file gathers them with
// the defaults of every variable.
export { type ApiConfig, apiEnvSchema } from './api-env.js';
export { enabledLogLevels, LOCAL_DEFAULTS, type LogLevel, REQUIRED_IN_PRODUCTION } from './common-env.js';
export { type WorkerConfig, workerEnvSchema } from './worker-env.js';

/** Defaults for every variable that has one; connection defaults are dropped in production. */
export const ENV_DEFAULTS: Readonly<Record<string, string>> = {
  CT_ENV: 'development',
  LOG_LEVEL: 'log',
  ...LOCAL_DEFAULTS,
  API_HOST: '127.0.0.1',
  API_PORT: '3000',
  HEALTH_CHECK_TIMEOUT_MS: '2000',
  API_BODY_LIMIT_BYTES: String(256 * 1024),
  RECONCILE_INTERVAL_MS: '30000',
  TEAM_MAX_RUNNING_JOBS: '20',
  TEAM_MAX_QUEUED_JOBS: '10000',
  PIPELINE_SCHEDULE_RESYNC_MS: '300000',
  CT_BOOTSTRAP_TEAM: 'admin',
  JOB_LOG_MAX_BYTES: String(5 * 1024 * 1024),
  BULLMQ_PREFIX: 'ct',
  ATTEMPT_LEASE_MS: '30000',
  DEPENDENCY_OUTAGE_BUDGET_MS: '900000',
  WORKER_CONCURRENCY: '1',
  WORKER_LOCK_DURATION_MS: '30000',
  WORKER_KILL_GRACE_MS: '5000',
  WORKER_SHUTDOWN_GRACE_MS: '30000',
  WORKER_METRICS_HOST: '127.0.0.1',
  WORKER_METRICS_PORT: '9464',
  WORKER_HEARTBEAT_MS: '5000',
  WORKER_PYTHON_POOL: '1',
  // Relative to the worker's working directory: the repository root under scripts/stack.sh, /app in the image.
  CT_PIPELINE_PYTHON: 'pipeline/.venv/bin/python',
  CT_DATA_ROOT: 'data',
  CT_PROJECTS_ROOT: 'projects',
  CT_SOURCE_STATEMENT_TIMEOUT_MS: '300000',
  AUDIT_FILE: 'audit/ct-audit.jsonl',
  AUDIT_PREFIX: 'ct',
  IRIS_AUDIT_PORT: '1972',
  // WriteToConsoleLog is available in every namespace: no need for the rights of %SYS.
  IRIS_AUDIT_NAMESPACE: 'USER',
  AUDIT_BUFFER_MAX: '10000',
  AUDIT_BATCH_SIZE: '100',
  AUDIT_RETRY_BASE_MS: '200',
  AUDIT_RETRY_MAX_MS: '30000',
};
