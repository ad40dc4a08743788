export * from './child.js';
export * from './free-port.js';
export * from './fresh-database.js';
export * from './mlflow-server.js';
export * from './postgres-server.js';
export * from './prometheus.js';
export * from './redis-server.js';
export * from './wait-for.js';
