import type { AuditLog, AuditRecord } from './audit-log.js';
import { AUDIT_SEVERITY, type AuditFields, type AuditSeverity, formatAuditMessage } from './audit-message.js';

/** An {@link AuditLog} that only records in memory, formatted as the real one would: for tests of callers. */
export function memoryAuditLog(
  source = 'test',
  now: () => Date = () => new Date(),
): AuditLog & { readonly events: AuditRecord[] } {
  const events: AuditRecord[] = [];
  let closed = false;
  let dropped = 0;
  const record = (severity: AuditSeverity) => (event: string, fields?: AuditFields) => {
    if (closed) {
      dropped += 1;
      return;
    }
    const at = now().toISOString();
    const formatted = formatAuditMessage({ event, fields, source, at });
    events.push({ ...formatted, severity, level: AUDIT_SEVERITY[severity], source, at });
  };
  return {
    events,
    info: record('info'),
    warning: record('warning'),
    severe: record('severe'),
    stats: () => ({ buffered: 0, sent: events.length, spooled: 0, replayed: 0, dropped, spoolBytes: 0 }),
    flush: async () => {},
    close: async () => {
      closed = true;
    },
  };
}
