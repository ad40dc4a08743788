// `@ct/shared/audit`: the IRIS structured-logging client (audit log, spool, dispatcher, transports), for the
// api and the worker. Node-only. The IRIS SDK is an optional peer dependency: the IRIS transport resolves it
// at its first delivery and loads it in its worker thread: only the app that sets IRIS_AUDIT_HOST needs it.
export * from './audit/audit-log.js';
