import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditLevel } from './audit-message.js';
import type { AuditEntry, AuditTransport } from './audit-transport.js';

/** irislogd's `level` names of the console-log severities 0, 1 and 2. */
export const IRISLOGD_LEVEL: Record<AuditLevel, string> = { 0: 'INFO', 1: 'WARNING', 2: 'SEVERE' };

/** One line of IRIS's structured log (irislogd, JSON format) for a console-log event. */
export interface IrislogdLine {
  /** Local time, `yyyy-mm-dd hh:mm:ss.sss`, as irislogd writes it. */
  when: string;
  pid: string;
  level: string;
  event: 'Utility.Event';
  text: string;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** irislogd's timestamp: local time to the millisecond, without a zone (the message's `at` is UTC). */
export function irislogdTime(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  );
}

/** The structured-log line IRIS would write for `entry` once WriteToConsoleLog logged it. */
export function irislogdLine(entry: AuditEntry, pid: number = process.pid): IrislogdLine {
  const at = new Date(entry.at);
  return {
    when: irislogdTime(Number.isNaN(at.getTime()) ? new Date() : at),
    pid: String(pid),
    level: IRISLOGD_LEVEL[entry.level],
    event: 'Utility.Event',
    text: entry.message,
  };
}

/**
 * Writes audit events as JSON lines in the shape of IRIS's structured log (irislogd's JSON output for
 * console-log events), so that a run without IRIS keeps an audit trail that the same tools can read.
 * `when` is the time the event was logged, not written, so that replayed events keep their time.
 */
export class FileAuditTransport implements AuditTransport {
  readonly name = 'file';
  private directoryReady = false;

  constructor(readonly file: string) {}

  async deliver(batch: readonly AuditEntry[]): Promise<void> {
    if (batch.length === 0) return;
    if (!this.directoryReady) {
      await mkdir(dirname(this.file), { recursive: true });
      this.directoryReady = true;
    }
    await appendFile(this.file, batch.map((entry) => `${JSON.stringify(irislogdLine(entry))}\n`).join(''));
  }

  async close(): Promise<void> {}
}
