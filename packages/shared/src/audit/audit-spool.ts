import {
  appendFile,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../lifecycle/process-alive.js';
import type { AuditEntry } from './audit-transport.js';
import {
  DEFAULT_SPOOL_LEASE,
  type SpoolLease,
  type SpoolOwner,
  SpoolOwnership,
  unlinkQuietly,
} from './spool-ownership.js';

export { DEFAULT_SPOOL_LEASE, type SpoolLease, type SpoolOwner } from './spool-ownership.js';

/** What one read of the spool returned: entries in order, and where each ends (bytes from the read position). */
export interface SpoolRead {
  readonly entries: AuditEntry[];
  readonly ends: number[];
  /** Bytes of everything read, including lines that could not be parsed (skipped for good). */
  readonly total: number;
  readonly corrupt: number;
}

interface Segment {
  readonly path: string;
  readonly own: boolean;
  offset: number;
  size: number;
}

const SPOOL_FILE = /^ct-spool\.(\d+)\.(\d+)\.([0-9a-z]+)\.(\d+)\.(.+)\.jsonl$/;
const READ_CHUNK = 1024 * 1024;

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

/**
 * The on-disk queue of audit events that could not be delivered: JSON lines appended in order to files in
 * `dir`, one series of files per process, read back from a persisted byte offset (`<file>.offset`).
 *
 * Several processes, on one host or several (a shared volume), may share `dir`. A spool adopts the files of
 * dead owners (`SpoolOwnership` says who is dead), claiming each with an exclusive `<file>.claim`: at open,
 * and again at every `adopt()`. Processes of separate containers must have distinct host names. A process whose event loop stalls past `staleMs` may see
 * its files adopted while it lives: their events are then delivered twice, never lost.
 */
export class AuditSpool {
  private readonly segments: Segment[] = [];
  private own: Segment | null = null;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly owners: SpoolOwnership;

  constructor(
    readonly dir: string,
    private readonly owner: SpoolOwner,
    readonly lease: SpoolLease = DEFAULT_SPOOL_LEASE,
    alive: (pid: number) => boolean = processAlive,
  ) {
    this.owners = new SpoolOwnership(dir, owner, lease, alive);
  }

  /** Creates the directory, takes a lease and adopts the files of dead owners. Returns how many it adopted. */
  open(): Promise<number> {
    return this.exclusive(async () => {
      await mkdir(this.dir, { recursive: true });
      return this.adoptOrphans();
    });
  }

  /**
   * Renews this spool's lease and adopts the files of owners that died since: queued behind everything
   * already in the spool. Returns how many files it adopted.
   */
  adopt(): Promise<number> {
    return this.exclusive(() => this.adoptOrphans());
  }

  /** Bytes written and not yet consumed. */
  pendingBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.size - segment.offset, 0);
  }

  isEmpty(): boolean {
    return this.pendingBytes() === 0;
  }

  /** Appends entries in order; on failure nothing is left half-written. Returns each line's byte length. */
  append(entries: readonly AuditEntry[]): Promise<number[]> {
    return this.exclusive(async () => {
      const lines = entries.map((entry) => `${JSON.stringify(entry)}\n`);
      const bytes = lines.map((line) => Buffer.byteLength(line));
      if (this.own === null) {
        const { host, pid, startMs, token } = this.owner;
        this.seq += 1;
        this.own = {
          path: join(this.dir, `ct-spool.${pid}.${startMs}.${token}.${this.seq}.${host}.jsonl`),
          own: true,
          offset: 0,
          size: 0,
        };
        this.segments.push(this.own);
        // The directory may be gone, or may never have been creatable: try again with each new file.
        await mkdir(this.dir, { recursive: true });
      }
      const segment = this.own;
      try {
        await appendFile(segment.path, lines.join(''));
      } catch (error) {
        // A partial write (disk full) would glue the next line onto a torn one: cut back to the last whole line.
        await truncate(segment.path, segment.size).catch(() => undefined);
        throw error;
      }
      segment.size += bytes.reduce((sum, n) => sum + n, 0);
      return bytes;
    });
  }

  /** Reads up to `max` entries from the head of the spool without consuming them. */
  read(max: number): Promise<SpoolRead> {
    return this.exclusive(async () => {
      const head = this.segments.find((segment) => segment.offset < segment.size);
      const result: SpoolRead = { entries: [], ends: [], total: 0, corrupt: 0 };
      if (head === undefined) return result;
      const remaining = head.size - head.offset;
      let buffer = await this.readAt(head.path, head.offset, Math.min(remaining, READ_CHUNK));
      if (buffer.length === 0) {
        // Shorter than written (cut by hand?): nothing more to read from this file.
        head.size = head.offset;
        return result;
      }
      if (buffer.indexOf(0x0a) < 0 && buffer.length < remaining)
        buffer = await this.readAt(head.path, head.offset, remaining);
      let start = 0;
      while (result.entries.length < max && start < buffer.length) {
        let end = buffer.indexOf(0x0a, start);
        if (end < 0) {
          if (buffer.length < remaining) break;
          // An unterminated last line is what a crash mid-append leaves: kept if it parses, else skipped.
          end = buffer.length;
        }
        const entry = this.parse(buffer.toString('utf8', start, end));
        start = Math.min(buffer.length, end + 1);
        if (entry === null) {
          (result as { corrupt: number }).corrupt += 1;
          continue;
        }
        result.entries.push(entry);
        result.ends.push(start);
      }
      (result as { total: number }).total = start;
      return result;
    });
  }

  /** Marks `bytes` from the head as delivered; deletes a file once it is fully delivered. */
  consume(bytes: number): Promise<void> {
    return this.exclusive(async () => {
      const head = this.segments.find((segment) => segment.offset < segment.size);
      if (head !== undefined && bytes > 0) head.offset = Math.min(head.size, head.offset + bytes);
      if (head !== undefined && head.offset < head.size && bytes > 0) {
        // Written aside and renamed, so that a crash never leaves a torn offset (which would replay from 0).
        await writeFile(`${head.path}.offset.tmp`, String(head.offset));
        await rename(`${head.path}.offset.tmp`, `${head.path}.offset`);
      }
      await this.dropConsumedHead();
    });
  }

  /** Lets other clients adopt what is left once this one is gone. */
  close(): void {
    this.owners.release();
  }

  private async adoptOrphans(): Promise<number> {
    await this.owners.renew();
    const adopted: Array<{ key: [number, string, number]; segment: Segment }> = [];
    const names = (await readdir(this.dir).catch(() => [] as string[])).sort();
    await this.owners.removeStaleLeases(names);
    for (const name of names) {
      const match = SPOOL_FILE.exec(name);
      if (!match || !(await this.owners.ownerDead(match[5] ?? '', Number(match[1]), match[3] ?? '')))
        continue;
      const path = join(this.dir, name);
      if (this.segments.some((segment) => segment.path === path) || !(await this.owners.claim(path)))
        continue;
      const size = await stat(path).then(
        (stats) => stats.size,
        () => -1,
      );
      // Delivered and removed by its previous owner between the listing and the claim.
      if (size < 0) {
        await unlinkQuietly(`${path}.claim`);
        continue;
      }
      const offset = Math.min(size, await this.readOffset(path));
      adopted.push({
        key: [Number(match[2]), match[3] ?? '', Number(match[4])],
        segment: { path, own: false, offset, size },
      });
    }
    adopted.sort((a, b) => a.key[0] - b.key[0] || a.key[1].localeCompare(b.key[1]) || a.key[2] - b.key[2]);
    this.segments.push(...adopted.map((item) => item.segment));
    await this.dropConsumedHead();
    return adopted.length;
  }

  private async dropConsumedHead(): Promise<void> {
    while (this.segments[0] !== undefined && this.segments[0].offset >= this.segments[0].size) {
      const segment = this.segments.shift() as Segment;
      if (segment === this.own) this.own = null;
      // The data file goes first: a crash in between leaves an offset without data, never data without offset.
      await unlinkQuietly(segment.path);
      await unlinkQuietly(`${segment.path}.offset`);
      await unlinkQuietly(`${segment.path}.claim`);
    }
  }

  private async readOffset(path: string): Promise<number> {
    const text = await readFile(`${path}.offset`, 'utf8').catch(() => '0');
    const offset = Number(text);
    return Number.isSafeInteger(offset) && offset >= 0 ? offset : 0;
  }

  private async readAt(path: string, position: number, length: number): Promise<Buffer> {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  private parse(line: string): AuditEntry | null {
    try {
      const value: unknown = JSON.parse(line);
      return isEntry(value) ? { level: value.level, at: value.at, message: value.message } : null;
    } catch {
      return null;
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
