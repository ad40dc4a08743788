import {
  appendFile,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  truncate,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../lifecycle/process-alive.js';
import type { AuditEntry } from './audit-transport.js';

/** Who writes a spool: spool files are named after it, and only files of dead owners are adopted. */
export interface SpoolOwner {
  readonly host: string;
  readonly pid: number;
  readonly startMs: number;
  /** Unique per spool instance, so that two clients in one process never share a file. */
  readonly token: string;
}

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

/** How a spool tells other hosts it is alive: a lease file it touches, and when others may take its files. */
export interface SpoolLease {
  /** How often the owner touches its lease (and looks for files to adopt). */
  readonly renewMs: number;
  /** A lease untouched this long marks its owner dead to other hosts. */
  readonly staleMs: number;
}

export const DEFAULT_SPOOL_LEASE: SpoolLease = { renewMs: 10_000, staleMs: 60_000 };

const SPOOL_FILE = /^ct-spool\.(\d+)\.(\d+)\.([0-9a-z]+)\.(\d+)\.(.+)\.jsonl$/;
const READ_CHUNK = 1024 * 1024;
const LIVE_TOKENS = new Set<string>();

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

async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/**
 * The on-disk queue of audit events that could not be delivered: JSON lines appended in order to files in
 * `dir`, one series of files per process, read back from a persisted byte offset (`<file>.offset`).
 *
 * Several processes, on one host or several (a shared volume), may share `dir`. A spool adopts the files of
 * dead owners, claiming each with an exclusive `<file>.claim`: at open, and again at every `adopt()`. An owner
 * of this host is dead when its pid is gone. Pids of other hosts (containers) are not comparable, so each
 * spool keeps a lease file, `ct-lease.<token>.<host>`, touched every `lease.renewMs`; an owner of another host
 * is dead when its lease is missing (a clean close removes it) or older than `lease.staleMs`. Processes of
 * separate containers must have distinct host names. A process whose event loop stalls past `staleMs` may see
 * its files adopted while it lives: their events are then delivered twice, never lost.
 */
export class AuditSpool {
  private readonly segments: Segment[] = [];
  private own: Segment | null = null;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private readonly leasePath: string;

  constructor(
    readonly dir: string,
    private readonly owner: SpoolOwner,
    readonly lease: SpoolLease = DEFAULT_SPOOL_LEASE,
    private readonly alive: (pid: number) => boolean = processAlive,
  ) {
    LIVE_TOKENS.add(owner.token);
    this.leasePath = join(dir, `ct-lease.${owner.token}.${owner.host}`);
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
    LIVE_TOKENS.delete(this.owner.token);
    void unlinkQuietly(this.leasePath);
  }

  private async adoptOrphans(): Promise<number> {
    await this.renewLease();
    const adopted: Array<{ key: [number, string, number]; segment: Segment }> = [];
    const names = (await readdir(this.dir).catch(() => [] as string[])).sort();
    await this.removeStaleLeases(names);
    for (const name of names) {
      const match = SPOOL_FILE.exec(name);
      if (!match || !(await this.ownerDead(match[5] ?? '', Number(match[1]), match[3] ?? ''))) continue;
      const path = join(this.dir, name);
      if (this.segments.some((segment) => segment.path === path) || !(await this.claim(path))) continue;
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

  /**
   * Deletes the leases of owners dead to every host (untouched for `staleMs`), so that killed containers do
   * not leave one each on the volume for good. A missing lease means what a stale one means: dead.
   */
  private async removeStaleLeases(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const path = join(this.dir, name);
      if (!name.startsWith('ct-lease.') || path === this.leasePath) continue;
      const touched = await stat(path).then(
        (stats) => stats.mtimeMs,
        () => Date.now(),
      );
      if (Date.now() - touched > this.lease.staleMs) await unlinkQuietly(path);
    }
  }

  /** Touches the lease file, creating it if need be; a spool that cannot write its directory has no lease. */
  private async renewLease(): Promise<void> {
    const now = new Date();
    await utimes(this.leasePath, now, now).catch(() =>
      writeFile(this.leasePath, `${this.owner.pid}\n`).catch(() => undefined),
    );
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

  private async ownerDead(host: string, pid: number, token: string): Promise<boolean> {
    // A spool of this very process, whatever owner it was given (tests simulate other processes so), lives.
    if (LIVE_TOKENS.has(token)) return false;
    if (host !== this.owner.host) {
      const touched = await stat(join(this.dir, `ct-lease.${token}.${host}`)).then(
        (stats) => stats.mtimeMs,
        () => Number.NEGATIVE_INFINITY,
      );
      return Date.now() - touched > this.lease.staleMs;
    }
    return pid === this.owner.pid || !this.alive(pid);
  }

  /** Takes a file for this spool with an exclusive claim file; a claim of a dead owner is taken over. */
  private async claim(path: string, retry = true): Promise<boolean> {
    const { host, pid, token } = this.owner;
    try {
      const handle = await open(`${path}.claim`, 'wx');
      await handle.writeFile(`${pid} ${token} ${host}`);
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !retry) return false;
      const [claimPid, claimToken, claimHost] = (
        await readFile(`${path}.claim`, 'utf8').catch(() => '')
      ).split(' ');
      if (!(await this.ownerDead(claimHost ?? '', Number(claimPid), claimToken ?? ''))) return false;
      await unlinkQuietly(`${path}.claim`);
      return this.claim(path, false);
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
