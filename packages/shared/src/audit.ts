// `@ct/shared/audit`: the IRIS structured-logging client (audit log, spool, dispatcher, transports), for the
// api and the worker. Node-only. The IRIS SDK is an optional peer dependency: it is resolved and loaded, in the
// transport's worker thread, only when IRIS is configured, so the app that sets IRIS_AUDIT_HOST depends on it.
export * from './audit/audit-log.js';
