import { appendFile, mkdir, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../lifecycle/process-alive.js';
import type { AuditEntry } from './audit-transport.js';
import {
  compareSpoolOrder,
  decodeEntries,
  encodeEntries,
  parseSpoolFileName,
  readAt,
  readOffset,
  type SpoolFileName,
  type SpoolRead,
  spoolFileName,
  writeOffset,
} from './spool-file.js';
import {
  DEFAULT_SPOOL_LEASE,
  type SpoolLease,
  type SpoolOwner,
  SpoolOwnership,
  unlinkQuietly,
} from './spool-ownership.js';

export type { SpoolRead } from './spool-file.js';
export { DEFAULT_SPOOL_LEASE, type SpoolLease, type SpoolOwner } from './spool-ownership.js';

interface Segment {
  readonly path: string;
  readonly own: boolean;
  offset: number;
  size: number;
}

const READ_CHUNK = 1024 * 1024;

/**
 * The on-disk queue of audit events that could not be delivered: JSON lines appended in order to files in
 * `dir`, one series of files per process, read back from a persisted byte offset (`<file>.offset`).
 *
 * Several processes, on one host or several (a shared volume), may share `dir`. A spool adopts the files of
 * dead owners (`SpoolOwnership` says who is dead), claiming each with an exclusive `<file>.claim`: at open,
 * and again at every `adopt()`. Processes of separate containers must have distinct host names. A process
 * whose event loop stalls past `staleMs` may see its files adopted while it lives: their events are then
 * delivered twice, never lost. The files' format is in `spool-file.ts`.
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
      const { text, bytes } = encodeEntries(entries);
      if (this.own === null) {
        this.seq += 1;
        this.own = {
          path: join(this.dir, spoolFileName(this.owner, this.seq)),
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
        await appendFile(segment.path, text);
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
      const nothing: SpoolRead = { entries: [], ends: [], total: 0, corrupt: 0 };
      if (head === undefined) return nothing;
      const remaining = head.size - head.offset;
      let buffer = await readAt(head.path, head.offset, Math.min(remaining, READ_CHUNK));
      if (buffer.length === 0) {
        // Shorter than written (cut by hand?): nothing more to read from this file.
        head.size = head.offset;
        return nothing;
      }
      // A line longer than a chunk: read the rest of the file at once.
      if (buffer.indexOf(0x0a) < 0 && buffer.length < remaining)
        buffer = await readAt(head.path, head.offset, remaining);
      return decodeEntries(buffer, max, buffer.length >= remaining);
    });
  }

  /** Marks `bytes` from the head as delivered; deletes a file once it is fully delivered. */
  consume(bytes: number): Promise<void> {
    return this.exclusive(async () => {
      const head = this.segments.find((segment) => segment.offset < segment.size);
      if (head !== undefined && bytes > 0) head.offset = Math.min(head.size, head.offset + bytes);
      if (head !== undefined && head.offset < head.size && bytes > 0)
        await writeOffset(head.path, head.offset);
      await this.dropConsumedHead();
    });
  }

  /** Lets other clients adopt what is left once this one is gone. */
  close(): void {
    this.owners.release();
  }

  private async adoptOrphans(): Promise<number> {
    await this.owners.renew();
    const adopted: Array<{ order: SpoolFileName['order']; segment: Segment }> = [];
    const names = (await readdir(this.dir).catch(() => [] as string[])).sort();
    await this.owners.removeStaleLeases(names);
    for (const name of names) {
      const file = parseSpoolFileName(name);
      if (!file || !(await this.owners.ownerDead(file.host, file.pid, file.token))) continue;
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
      const offset = Math.min(size, await readOffset(path));
      adopted.push({ order: file.order, segment: { path, own: false, offset, size } });
    }
    adopted.sort((a, b) => compareSpoolOrder(a.order, b.order));
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

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
