import { open, readFile, rename, writeFile } from 'node:fs/promises';
import type { AuditEntry } from './audit-transport.js';
import type { SpoolOwner } from './spool-ownership.js';

// The spool's format on disk: files of JSON lines, one entry a line, named after their writer; beside each,
// `<file>.offset` holds how many of its bytes were delivered.

/** What one read of the spool returned: entries in order, and where each ends (bytes from the read position). */
export interface SpoolRead {
  readonly entries: AuditEntry[];
  readonly ends: number[];
  /** Bytes of everything read, including lines that could not be parsed (skipped for good). */
  readonly total: number;
  readonly corrupt: number;
}

/** Who wrote a spool file, and its place among the files of dead owners once adopted. */
export interface SpoolFileName {
  readonly host: string;
  readonly pid: number;
  readonly token: string;
  /** Sorts adopted files: by their owner's start, then owner, then the owner's sequence. */
  readonly order: readonly [number, string, number];
}

const SPOOL_FILE = /^ct-spool\.(\d+)\.(\d+)\.([0-9a-z]+)\.(\d+)\.(.+)\.jsonl$/;

/** The name of the `seq`-th file of `owner`: `ct-spool.<pid>.<startMs>.<token>.<seq>.<host>.jsonl`. */
export function spoolFileName(owner: SpoolOwner, seq: number): string {
  const { host, pid, startMs, token } = owner;
  return `ct-spool.${pid}.${startMs}.${token}.${seq}.${host}.jsonl`;
}

/** The parts of a spool file's name; null for any other file. */
export function parseSpoolFileName(name: string): SpoolFileName | null {
  const match = SPOOL_FILE.exec(name);
  if (!match) return null;
  return {
    host: match[5] ?? '',
    pid: Number(match[1]),
    token: match[3] ?? '',
    order: [Number(match[2]), match[3] ?? '', Number(match[4])],
  };
}

/** Compares two adopted files' `order`. */
export function compareSpoolOrder(a: SpoolFileName['order'], b: SpoolFileName['order']): number {
  return a[0] - b[0] || a[1].localeCompare(b[1]) || a[2] - b[2];
}

/** The lines that spool `entries`, and each line's byte length. */
export function encodeEntries(entries: readonly AuditEntry[]): { text: string; bytes: number[] } {
  const lines = entries.map((entry) => `${JSON.stringify(entry)}\n`);
  return { text: lines.join(''), bytes: lines.map((line) => Buffer.byteLength(line)) };
}

/**
 * Parses up to `max` entries from `buffer`, read from a spool file at some offset. `toEnd` says whether the
 * buffer reaches the end of the file: only then is an unterminated last line read (a crash mid-append leaves
 * one; it is kept if it parses, else skipped). Lines that do not parse are counted as corrupt.
 */
export function decodeEntries(buffer: Buffer, max: number, toEnd: boolean): SpoolRead {
  const entries: AuditEntry[] = [];
  const ends: number[] = [];
  let corrupt = 0;
  let start = 0;
  while (entries.length < max && start < buffer.length) {
    let end = buffer.indexOf(0x0a, start);
    if (end < 0) {
      if (!toEnd) break;
      end = buffer.length;
    }
    const entry = parseEntry(buffer.toString('utf8', start, end));
    start = Math.min(buffer.length, end + 1);
    if (entry === null) {
      corrupt += 1;
      continue;
    }
    entries.push(entry);
    ends.push(start);
  }
  return { entries, ends, total: start, corrupt };
}

/** The delivered bytes of the spool file at `path`; 0 when its offset file is missing or unreadable. */
export async function readOffset(path: string): Promise<number> {
  const text = await readFile(`${path}.offset`, 'utf8').catch(() => '0');
  const offset = Number(text);
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : 0;
}

/** Saves the delivered bytes of the spool file at `path`. */
export async function writeOffset(path: string, offset: number): Promise<void> {
  // Written aside and renamed, so that a crash never leaves a torn offset (which would replay from 0).
  await writeFile(`${path}.offset.tmp`, String(offset));
  await rename(`${path}.offset.tmp`, `${path}.offset`);
}

/** Up to `length` bytes of the file at `path` from `position`. */
export async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isEntry(value: unknown): value is AuditEntry {
  const entry = value as AuditEntry | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    (entry.level === 0 || entry.level === 1 || entry.level === 2) &&
    typeof entry.at === 'string' &&
    typeof entry.message === 'string'
  );
}

function parseEntry(line: string): AuditEntry | null {
  try {
    const value: unknown = JSON.parse(line);
    return isEntry(value) ? { level: value.level, at: value.at, message: value.message } : null;
  } catch {
    return null;
  }
}
