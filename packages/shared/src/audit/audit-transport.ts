import type { AuditLevel } from './audit-message.js';

/** One audit event as delivered and spooled: its IRIS severity, time and one-line JSON message. */
export interface AuditEntry {
  readonly level: AuditLevel;
  /** ISO time the event was logged (also inside `message`). */
  readonly at: string;
  readonly message: string;
}

/** A destination of audit events (IRIS, a file, a test double). */
export interface AuditTransport {
  /** A short name for diagnostics: `iris`, `file`. */
  readonly name: string;
  /**
   * Delivers the batch in order. Rejects when the destination cannot take it; an {@link AuditDeliveryError}
   * says how many leading entries were delivered before the failure, so that they are not sent twice.
   */
  deliver(batch: readonly AuditEntry[]): Promise<void>;
  close(): Promise<void>;
}

/** A failed delivery of which the first `delivered` entries did reach the destination. */
export class AuditDeliveryError extends Error {
  constructor(
    message: string,
    readonly delivered: number,
  ) {
    super(message);
    this.name = 'AuditDeliveryError';
  }
}

/** How many entries of a batch reached the destination before `error`. */
export function deliveredBefore(error: unknown, batchLength: number): number {
  if (error instanceof AuditDeliveryError) return Math.max(0, Math.min(batchLength, error.delivered));
  return 0;
}
