import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { AuditConfig } from './audit-config.js';
import { type AuditLog, createAuditLog } from './audit-log.js';

/** Injection token of an app's one audit log (IRIS, or the JSON-lines file without IRIS). */
export const AUDIT_LOG = Symbol('AUDIT_LOG');

/**
 * Closes (flushes) the audit log last: shutdown hooks run after every `onModuleDestroy`, that is after the
 * API's HTTP server stopped taking requests and the worker's processor let its running jobs end, so their
 * last events are written.
 */
@Injectable()
class AuditLogCloser implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  async onApplicationShutdown(): Promise<void> {
    await this.audit.close();
  }
}

/** The audit trail of a Nest app, global: `AuditModule.forApp('api', API_CONFIG)` in its root module. */
@Global()
@Module({})
export class AuditModule {
  /**
   * The app's audit log (`AUDIT_LOG`), made from the `audit` settings of the config provided as `configToken`,
   * its events tagged with `source`.
   */
  static forApp(source: string, configToken: symbol | string): DynamicModule {
    return {
      module: AuditModule,
      providers: [
        {
          provide: AUDIT_LOG,
          useFactory: (config: { audit: AuditConfig }) => createAuditLog(config.audit, { source }),
          inject: [configToken],
        },
        AuditLogCloser,
      ],
      exports: [AUDIT_LOG],
    };
  }
}
