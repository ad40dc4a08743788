import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { describeError } from '../errors/infrastructure-error.js';
import { MINIMAL_PATH } from './child-env.js';
import { codeFingerprint } from './code-fingerprint.js';
import { PoolServer } from './pool-server.js';
import { RunSockets } from './run-sockets.js';
import type { ProcessRequest, StartedProcess, WarmStarter } from './started-process.js';

/** Why a run started cold although the pool is on. */
export type ColdReason = 'opted_out' | 'not_ready' | 'code_changed' | 'failed' | 'shutdown';

export interface WarmPoolOptions {
  python: string;
  /** OMP_NUM_THREADS and OPENBLAS_*: numeric libraries read them when they load, that is in the server. */
  threadEnv: Readonly<Record<string, string>>;
  /** matplotlib's font cache, built once, when the server imports it (the runs' MPLCONFIGDIR). */
  mplConfigDir: string;
  /** How long the server may take to answer a fork request before it is killed and the run starts cold. */
  forkTimeoutMs: number;
  /** How often (at most) the pipeline's code is checked for changes, at a run's start. */
  codeCheckMs: number;
}

/** What the pool counts. */
export interface WarmPoolMetrics {
  started(start: 'warm' | 'cold', reason: ColdReason | null): void;
}

export interface PoolMemory {
  rssBytes: number;
  pssBytes: number;
}

const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;
/**
 * Room in the server's environment that a forked run overwrites with its own, so that /proc/<pid>/environ
 * names the run's job as a cold start's does (forked_run.show_environment). A run's is about 1.5 kB.
 */
const ENVIRON_ROOM_BYTES = 8192;

/**
 * The warm pool: a fork server (`ct_pipeline.warm_start`) that has imported the pipeline and its heavy
 * libraries, forking a fresh process per run, so a run skips the seconds of imports a cold start pays.
 * It starts in the background; until it is ready, or whenever it is not (it died, the code changed, it
 * refused), runs start cold, and that is counted. A server that dies is replaced; one whose code changed
 * is drained (it forks nothing more, and exits when its runs have ended) and replaced.
 */
export class WarmPool implements WarmStarter {
  private readonly logger = new Logger(WarmPool.name);
  private server: PoolServer | null = null;
  private ready = false;
  private baseline: { watch: string[]; fingerprint: string } | null = null;
  private checkedAt = 0;
  private readonly retiring = new Set<PoolServer>();
  private sockets: Promise<RunSockets> | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closing = false;
  private spawning = false;

  constructor(
    private readonly options: WarmPoolOptions,
    private readonly metrics: WarmPoolMetrics,
  ) {}

  /** Starts the server in the background (idempotent); runs start cold until it is ready. */
  open(): void {
    // A restart already waits for its backoff: runs meanwhile start cold rather than respawn a failing server.
    if (this.closing || this.server !== null || this.spawning || this.restartTimer) return;
    this.spawning = true;
    void this.spawnServer();
  }

  /** The server's pid while it is ready for runs. */
  get readyPid(): number | null {
    return this.ready ? (this.server?.pid ?? null) : null;
  }

  async start(request: ProcessRequest, allowed = true): Promise<StartedProcess | null> {
    const server = await this.serverFor(allowed);
    if (typeof server === 'string') {
      this.metrics.started('cold', server);
      return null;
    }
    const sockets = await this.openSockets();
    const token = randomBytes(16).toString('hex');
    const streams = sockets.expect(token);
    try {
      const run = await server.fork(token, request, sockets.path, this.options.forkTimeoutMs);
      this.metrics.started('warm', null);
      const { stdout, stderr, events, closed } = streams;
      return { pid: run.pid, warm: true, stdout, stderr, events, exited: run.exited, closed };
    } catch (error) {
      streams.dispose();
      this.logger.warn(`a run starts cold: ${describeError(error)}`);
      this.metrics.started('cold', 'failed');
      return null;
    }
  }

  /** The idle server's memory: resident, and its proportional share of what its runs share with it. */
  async memory(): Promise<PoolMemory | null> {
    const pid = this.readyPid;
    if (pid === null) return null;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => null);
    if (rollup === null) return null;
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    return { rssBytes: kb('Rss') * 1024, pssBytes: kb('Pss') * 1024 };
  }

  /** Forks nothing more; waits up to `graceMs` for the runs under way, then ends the servers. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    const servers = [...this.retiring, ...(this.server ? [this.server] : [])];
    // A server still importing has no run to finish and reads no drain until its imports end (seconds on a
    // busy host): stopped at once. The others finish their runs first.
    for (const server of servers) {
      if (server === this.server && !this.ready) server.kill();
      else server.drain();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(servers.map((server) => server.exited)), late]);
    clearTimeout(timer);
    for (const server of servers) server.kill();
    await Promise.all(servers.map((server) => server.exited));
    await (await this.sockets?.catch(() => null))?.close();
  }

  /** The server to fork from, or why there is none. */
  private async serverFor(allowed: boolean): Promise<PoolServer | ColdReason> {
    if (!allowed) return 'opted_out';
    if (this.closing) return 'shutdown';
    const server = this.server;
    if (server === null || !server.alive || !this.ready) {
      this.open();
      return 'not_ready';
    }
    if (await this.codeChanged()) {
      this.logger.log(
        `the pipeline's code changed: a new warm pool server starts (pid ${server.pid} drains)`,
      );
      this.retire(server);
      this.open();
      return 'code_changed';
    }
    return server;
  }

  private async codeChanged(): Promise<boolean> {
    const baseline = this.baseline;
    const now = Date.now();
    if (baseline === null || now - this.checkedAt < this.options.codeCheckMs) return false;
    this.checkedAt = now;
    return (await codeFingerprint(baseline.watch)) !== baseline.fingerprint;
  }

  private retire(server: PoolServer): void {
    if (this.server === server) {
      this.server = null;
      this.ready = false;
    }
    this.retiring.add(server);
    server.drain();
    void server.exited.then(() => this.retiring.delete(server));
  }

  private async spawnServer(): Promise<void> {
    let server: PoolServer;
    try {
      const sockets = await this.openSockets();
      const home = join(sockets.dir, 'home');
      await mkdir(join(home, 'tmp'), { recursive: true, mode: 0o700 });
      server = new PoolServer(this.options.python, this.serverEnv(home), home, (line) =>
        this.logger.warn(`warm pool server: ${line}`),
      );
    } catch (error) {
      this.spawning = false;
      this.failed(`could not start: ${describeError(error)}`);
      return;
    }
    this.spawning = false;
    this.server = server;
    this.ready = false;
    void server.exited.then(() => {
      if (this.server !== server) return;
      this.server = null;
      this.ready = false;
      this.failed('its server exited');
    });
    try {
      const ready = await server.ready;
      const fingerprint = await codeFingerprint(ready.watch);
      if (this.server !== server) return;
      this.baseline = { watch: ready.watch, fingerprint };
      this.checkedAt = Date.now();
      this.ready = true;
      this.failures = 0;
      this.logger.log(`warm pool ready: server pid ${ready.pid}, imports took ${ready.preloadMs} ms`);
    } catch (error) {
      if (this.server === server) this.logger.warn(`warm pool server failed: ${describeError(error)}`);
    }
  }

  private failed(why: string): void {
    if (this.closing) return;
    this.failures += 1;
    const delay = Math.min(RESTART_BASE_MS * 2 ** (this.failures - 1), RESTART_MAX_MS);
    this.logger.warn(`warm pool: ${why}; runs start cold, a new server starts in ${delay} ms`);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.open();
    }, delay);
    this.restartTimer.unref();
  }

  private openSockets(): Promise<RunSockets> {
    this.sockets ??= RunSockets.open();
    return this.sockets;
  }

  /** The server's own environment: nothing of the worker's (each run gets its own at the fork). */
  private serverEnv(home: string): Record<string, string> {
    return {
      ...this.options.threadEnv,
      PATH: MINIMAL_PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      TMPDIR: join(home, 'tmp'),
      PYTHONUNBUFFERED: '1',
      MPLBACKEND: 'Agg',
      MPLCONFIGDIR: this.options.mplConfigDir,
      CT_ENVIRON_ROOM: '.'.repeat(ENVIRON_ROOM_BYTES),
    };
  }
}
