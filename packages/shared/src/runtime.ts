// `@ct/shared/runtime`: what the api and the worker share to run as Node services: their environment schemas
// and config loading, the JSON logger (pino, an optional peer dependency that the apps install), their
// Prometheus metrics' registry and tables (prom-client, likewise), the MLflow REST transport, shutdown and
// process helpers.
export * from './config/env-schema.js';
export * from './config/load-config.js';
export * from './lifecycle/process-alive.js';
export * from './lifecycle/shutdown.js';
export * from './logging/json-logger.js';
export * from './logging/log-throttle.js';
export * from './logging/nest-pino-logger.js';
export * from './metrics/service-metrics.js';
export * from './mlflow/mlflow-rest.js';
