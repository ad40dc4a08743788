import { type AuditLog, createAuditLog } from '@ct/shared/audit';
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';

/** Injection token for the worker's one audit log (IRIS, or the JSON-lines file without IRIS). */
export const AUDIT_LOG = Symbol('AUDIT_LOG');

/**
 * Closes the audit log when the worker stops. Shutdown hooks run after every `onModuleDestroy`, that is after
 * the training processor has let its running jobs finish or stopped them, so their last events are written.
 */
@Injectable()
export class AuditLogCloser implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  async onApplicationShutdown(): Promise<void> {
    await this.audit.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: AUDIT_LOG,
      useFactory: (config: WorkerConfig) => createAuditLog(config.audit, { source: 'worker' }),
      inject: [WORKER_CONFIG],
    },
    AuditLogCloser,
  ],
  exports: [AUDIT_LOG],
})
export class AuditModule {}
