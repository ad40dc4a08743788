export * from './config/env-schema.js';
export * from './config/load-config.js';
export * from './health/health.dto.js';
export * from './lifecycle/shutdown.js';
