import { AuditModule as AppAuditModule } from '@ct/shared/audit-module';
import { API_CONFIG } from '../config/api-config.js';

export { AUDIT_LOG } from '@ct/shared/audit-module';

/** The audit trail of what people and keys do through the API: jobs, model decisions, keys, refused calls. */
export const AuditModule = AppAuditModule.forApp('api', API_CONFIG);
