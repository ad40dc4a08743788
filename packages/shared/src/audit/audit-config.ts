import type { IrisConnectionConfig } from './iris-transport.js';

/** The audit client's settings, parsed from the environment (`config.audit` of both apps). */
export interface AuditConfig {
  /** JSON-lines file of the file transport, used when no IRIS is configured (AUDIT_FILE). */
  readonly file: string;
  /** Where undelivered events wait on disk (AUDIT_SPOOL_DIR); may be shared by the processes of one host. */
  readonly spoolDir: string;
  /** `Prefix` argument of WriteToConsoleLog (AUDIT_PREFIX). */
  readonly prefix: string;
  /** The IRIS instance whose console log receives the events; null writes to `file` instead. */
  readonly iris: IrisConnectionConfig | null;
  /** Events held in memory before they go to the spool (AUDIT_BUFFER_MAX). */
  readonly bufferMax: number;
  /** Events per delivery (AUDIT_BATCH_SIZE). */
  readonly batchSize: number;
  /** First retry delay after a failed delivery, doubled per failure (AUDIT_RETRY_BASE_MS)... */
  readonly retryBaseMs: number;
  /** ...up to this (AUDIT_RETRY_MAX_MS). */
  readonly retryMaxMs: number;
}
