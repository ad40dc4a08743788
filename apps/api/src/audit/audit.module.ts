import { type AuditLog, createAuditLog } from '@ct/shared/audit';
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';

/** Injection token for the API's one audit log (IRIS, or the JSON-lines file without IRIS). */
export const AUDIT_LOG = Symbol('AUDIT_LOG');

/** Closes (flushes) the audit log last, once the HTTP server has stopped taking requests. */
@Injectable()
export class AuditLogCloser implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  async onApplicationShutdown(): Promise<void> {
    await this.audit.close();
  }
}

/** The audit trail of what people and keys do through the API: jobs, model decisions, keys, refused calls. */
@Global()
@Module({
  providers: [
    {
      provide: AUDIT_LOG,
      useFactory: (config: ApiConfig) => createAuditLog(config.audit, { source: 'api' }),
      inject: [API_CONFIG],
    },
    AuditLogCloser,
  ],
  exports: [AUDIT_LOG],
})
export class AuditModule {}
