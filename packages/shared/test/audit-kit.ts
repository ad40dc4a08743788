// Test helpers of the audit client, for the specs in src/audit (not part of the built package).
import { join } from 'node:path';
import type { AuditConfig } from '../src/audit/audit-config.js';
import type { AuditEntry, AuditTransport } from '../src/audit/audit-transport.js';

export function auditConfig(dir: string, overrides: Partial<AuditConfig> = {}): AuditConfig {
  return {
    file: join(dir, 'ct-audit.jsonl'),
    spoolDir: join(dir, 'spool'),
    prefix: 'ct',
    iris: null,
    bufferMax: 10_000,
    batchSize: 100,
    retryBaseMs: 20,
    retryMaxMs: 200,
    ...overrides,
  };
}

/** A transport that records batches, and fails while `up` is false or while `failures` remain. */
export class RecordingTransport implements AuditTransport {
  readonly name = 'recording';
  up = true;
  failures = 0;
  readonly batches: AuditEntry[][] = [];
  readonly attempts: number[] = [];
  failWith: ((batch: readonly AuditEntry[]) => Error) | null = null;

  async deliver(batch: readonly AuditEntry[]): Promise<void> {
    this.attempts.push(Date.now());
    if (this.failWith) {
      const error = this.failWith(batch);
      this.failWith = null;
      throw error;
    }
    if (!this.up) throw new Error('destination down');
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('destination down');
    }
    this.batches.push([...batch]);
  }

  async close(): Promise<void> {}

  /** The `seq` field of every delivered message, in delivery order. */
  seqs(): number[] {
    return this.batches.flat().map((entry) => JSON.parse(entry.message).seq);
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
