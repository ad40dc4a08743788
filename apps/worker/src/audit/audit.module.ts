import { AuditModule as AppAuditModule } from '@ct/shared/audit-module';
import { WORKER_CONFIG } from '../config/worker-config.js';

export { AUDIT_LOG } from '@ct/shared/audit-module';

/** The audit trail of what the worker runs: attempts, pipeline steps, findings, registry decisions. */
export const AuditModule = AppAuditModule.forApp('worker', WORKER_CONFIG);
