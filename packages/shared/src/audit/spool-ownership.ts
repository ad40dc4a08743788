import { open, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../lifecycle/process-alive.js';

/** Who writes a spool: spool files are named after it, and only files of dead owners are adopted. */
export interface SpoolOwner {
  readonly host: string;
  readonly pid: number;
  readonly startMs: number;
  /** Unique per spool instance, so that two clients in one process never share a file. */
  readonly token: string;
}

/** How a spool tells other hosts it is alive: a lease file it touches, and when others may take its files. */
export interface SpoolLease {
  /** How often the owner touches its lease (and looks for files to adopt). */
  readonly renewMs: number;
  /** A lease untouched this long marks its owner dead to other hosts. */
  readonly staleMs: number;
}

export const DEFAULT_SPOOL_LEASE: SpoolLease = { renewMs: 10_000, staleMs: 60_000 };

/** The owners of the spools open in this process. */
const LIVE_TOKENS = new Set<string>();

export async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/**
 * Which owners of a spool directory are alive, and the claims on files of those that are not. An owner of
 * this host is dead when its pid is gone. Pids of other hosts (containers) are not comparable, so each spool
 * keeps a lease file, `ct-lease.<token>.<host>`, touched every `lease.renewMs`; an owner of another host is
 * dead when its lease is missing (a clean close removes it) or older than `lease.staleMs`. A file is taken
 * with an exclusive `<file>.claim`.
 */
export class SpoolOwnership {
  private readonly leasePath: string;

  constructor(
    private readonly dir: string,
    readonly owner: SpoolOwner,
    readonly lease: SpoolLease,
    private readonly alive: (pid: number) => boolean = processAlive,
  ) {
    LIVE_TOKENS.add(owner.token);
    this.leasePath = join(dir, `ct-lease.${owner.token}.${owner.host}`);
  }

  /** Touches the lease file, creating it if need be; a spool that cannot write its directory has no lease. */
  async renew(): Promise<void> {
    const now = new Date();
    await utimes(this.leasePath, now, now).catch(() =>
      writeFile(this.leasePath, `${this.owner.pid}\n`).catch(() => undefined),
    );
  }

  /** Gives the lease up: this owner is dead to others from now on. */
  release(): void {
    LIVE_TOKENS.delete(this.owner.token);
    void unlinkQuietly(this.leasePath);
  }

  /**
   * Deletes the leases among `names` of owners dead to every host (untouched for `staleMs`), so that killed
   * containers do not leave one each on the volume for good. A missing lease means what a stale one means.
   */
  async removeStaleLeases(names: readonly string[]): Promise<void> {
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

  async ownerDead(host: string, pid: number, token: string): Promise<boolean> {
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

  /** Takes a file for this owner with an exclusive claim file; a claim of a dead owner is taken over. */
  async claim(path: string, retry = true): Promise<boolean> {
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
}
