import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditStats } from './audit-alarms.js';
import type { AuditConfig } from './audit-config.js';
import { AuditDispatcher } from './audit-dispatcher.js';
import {
  AUDIT_SEVERITY,
  type AuditFields,
  type AuditFieldValue,
  type AuditLevel,
  type AuditSeverity,
  formatAuditMessage,
} from './audit-message.js';
import { AuditSpool, DEFAULT_SPOOL_LEASE, type SpoolLease, type SpoolOwner } from './audit-spool.js';
import type { AuditTransport } from './audit-transport.js';
import { FileAuditTransport } from './file-transport.js';
import { IrisAuditTransport } from './iris-transport.js';

export type { AuditStats } from './audit-alarms.js';
export type { AuditConfig } from './audit-config.js';
// The event format is the client's contract in full: what an event may be named and how it is written.
export * from './audit-message.js';
export { AuditDeliveryError, type AuditEntry, type AuditTransport } from './audit-transport.js';
export { FileAuditTransport, type IrislogdLine, irislogdLine } from './file-transport.js';
export { IrisAuditTransport, type IrisConnectionConfig } from './iris-transport.js';
export { memoryAuditLog } from './memory-audit-log.js';
export { backoffDelay } from './retry-backoff.js';

/** What the apps call: never throws into the caller, never waits on IRIS. */
export interface AuditLogger {
  info(event: string, fields?: AuditFields): void;
  warning(event: string, fields?: AuditFields): void;
  severe(event: string, fields?: AuditFields): void;
}

export interface AuditLog extends AuditLogger {
  stats(): AuditStats;
  /** Resolves when everything logged so far is delivered or spooled. */
  flush(): Promise<void>;
  /**
   * Flushes, then stops (timers, worker thread); what is still spooled waits for the next start. Events logged
   * after close() are dropped and counted in `dropped` (with a console.error): they mean a shutdown-order bug.
   */
  close(): Promise<void>;
}

/** One event as formatted (what {@link memoryAuditLog} records). */
export interface AuditRecord {
  /** The event name, or `audit.invalid_event` for a name that is not a stable dotted name. */
  readonly event: string;
  readonly severity: AuditSeverity;
  readonly level: AuditLevel;
  readonly fields: Readonly<Record<string, AuditFieldValue>>;
  readonly source: string;
  readonly at: string;
  /** The one-line JSON sent to IRIS. */
  readonly message: string;
}

export interface AuditLogOptions {
  /** Which process logs: `api` or `worker`; written into every message. */
  source: string;
  /** Replaces the transport chosen from the configuration (tests, benchmarks). */
  transport?: AuditTransport;
  /** Clock of the messages' `at`. */
  now?: () => Date;
  /** Where loud problems go (disk full, transport down); console.error by default. */
  alarm?: (message: string) => void;
  /** Shortest time between two alarms of one kind. */
  alarmIntervalMs?: number;
  /** Spool file ownership (host name, pid), for tests of adoption. */
  owner?: Partial<SpoolOwner>;
  /** How often the spool's lease is renewed, and when other hosts' leases are stale (AuditSpool). */
  spoolLease?: Partial<SpoolLease>;
}

/** The transport the configuration asks for: IRIS when IRIS_AUDIT_HOST is set, else the JSON-lines file. */
export function transportFor(config: AuditConfig): AuditTransport {
  return config.iris
    ? new IrisAuditTransport(config.iris, { prefix: config.prefix })
    : new FileAuditTransport(config.file);
}

/**
 * Starts an audit log: events are formatted at once, buffered, and delivered in batches in the background;
 * while the transport fails they are spooled in `config.spoolDir` and replayed in order when it is back.
 */
export function createAuditLog(config: AuditConfig, options: AuditLogOptions = { source: 'ct' }): AuditLog {
  const now = options.now ?? (() => new Date());
  const alarm = options.alarm ?? ((message: string) => console.error(message));
  const owner: SpoolOwner = {
    host: hostname(),
    pid: process.pid,
    startMs: Date.now(),
    token: randomBytes(6).toString('hex'),
    ...options.owner,
  };
  const dispatcher = new AuditDispatcher(
    options.transport ?? transportFor(config),
    new AuditSpool(config.spoolDir, owner, { ...DEFAULT_SPOOL_LEASE, ...options.spoolLease }),
    {
      bufferMax: config.bufferMax,
      batchSize: config.batchSize,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      alarm,
      alarmIntervalMs: options.alarmIntervalMs ?? 60_000,
      now: Date.now,
    },
  );
  const log = (severity: AuditSeverity) => (event: string, fields?: AuditFields) => {
    try {
      const at = now().toISOString();
      const { message } = formatAuditMessage({ event, fields, source: options.source, at });
      dispatcher.enqueue({ level: AUDIT_SEVERITY[severity], at, message });
    } catch (error) {
      // Formatting guards against bad input; this is the last line that keeps logging from breaking work.
      alarm(`[audit] could not log ${String(event)}: ${String(error)}`);
    }
  };
  return {
    info: log('info'),
    warning: log('warning'),
    severe: log('severe'),
    stats: () => dispatcher.stats(),
    flush: () => dispatcher.flush(),
    close: () => dispatcher.close(),
  };
}
