import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { launcherArgs } from './parent-death.js';
import { signalGroup } from './process-group.js';
import type { ProcessEnd, ProcessRequest } from './started-process.js';

/** What the server said once its imports were done. */
export interface ServerReady {
  pid: number;
  preloadMs: number;
  /** The code whose change means a new server (the pipeline package, its lockfile). */
  watch: string[];
}

export interface ForkedRun {
  pid: number;
  exited: Promise<ProcessEnd>;
}

type Answer =
  | { op: 'ready'; pid: number; preload_ms: number; watch: string[] }
  | { op: 'started'; token: string; pid: number }
  | { op: 'refused'; token: string; error: string }
  | { op: 'exit'; pid: number; code: number | null; signal: NodeJS.Signals | null };

interface Pending {
  resolve(run: ForkedRun): void;
  reject(error: Error): void;
}

/**
 * One `python -m ct_pipeline.warm_start` process: the fork server of the warm pool (see that module for
 * the protocol). It leads its own process group and dies with the worker; the runs it forks lead their own
 * groups and die with it.
 */
export class PoolServer {
  readonly ready: Promise<ServerReady>;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly pending = new Map<string, Pending>();
  private readonly runs = new Map<number, (end: ProcessEnd) => void>();
  private gone: Error | null = null;

  constructor(
    python: string,
    env: Readonly<Record<string, string>>,
    cwd: string,
    onLog: (line: string) => void,
  ) {
    this.child = spawn(python, launcherArgs(['-m', 'ct_pipeline.warm_start']), {
      cwd,
      env: { ...env },
      detached: true,
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let onReady: (ready: ServerReady) => void = () => {};
    this.ready = new Promise<ServerReady>((resolve, reject) => {
      onReady = resolve;
      this.child.once('error', reject);
      this.child.once('exit', (code, signal) =>
        reject(new Error(`it exited before it was ready (${signal ?? code})`)),
      );
    });
    this.ready.catch(() => {});
    // `close`, not `exit`: the answers it wrote before it ended (runs' exits) are read first.
    this.exited = new Promise<void>((resolve) =>
      this.child.once('close', (code, signal) => {
        this.lose(`the warm pool's server exited (${signal ?? `code ${code}`})`);
        resolve();
      }),
    );
    this.child.once('error', (error) => this.lose(`the warm pool's server failed: ${error.message}`));
    this.child.stdin?.on('error', () => {});
    if (this.child.stderr) createInterface({ input: this.child.stderr }).on('line', onLog);
    if (this.child.stdout) {
      createInterface({ input: this.child.stdout }).on('line', (line) => this.answer(line, onReady, onLog));
    }
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** Runs this server forked and that have not ended. */
  get running(): number {
    return this.runs.size;
  }

  get alive(): boolean {
    return this.gone === null;
  }

  /** Forks a run; rejects when the server refuses, dies, or does not answer within `timeoutMs`. */
  fork(token: string, request: ProcessRequest, socket: string, timeoutMs: number): Promise<ForkedRun> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise<ForkedRun>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A server that does not answer may still fork later: it cannot be trusted with another run.
        this.kill();
        reject(new Error(`the warm pool's server did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.pending.delete(token);
      };
      this.pending.set(token, {
        resolve: (run) => {
          settle();
          resolve(run);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      const message = { op: 'run', token, argv: request.argv, env: request.env, cwd: request.cwd, socket };
      this.child.stdin?.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** No more runs: the server exits once the runs it forked have ended. */
  drain(): void {
    this.child.stdin?.end();
  }

  kill(): void {
    if (this.child.pid !== undefined) signalGroup(this.child.pid, 'SIGKILL');
  }

  private answer(line: string, onReady: (ready: ServerReady) => void, onLog: (line: string) => void): void {
    let message: Answer;
    try {
      message = JSON.parse(line) as Answer;
    } catch {
      onLog(line);
      return;
    }
    switch (message.op) {
      case 'ready':
        onReady({ pid: message.pid, preloadMs: message.preload_ms, watch: message.watch });
        return;
      case 'started': {
        const exited = new Promise<ProcessEnd>((resolve) => this.runs.set(message.pid, resolve));
        this.pending.get(message.token)?.resolve({ pid: message.pid, exited });
        return;
      }
      case 'refused':
        this.pending
          .get(message.token)
          ?.reject(new Error(`the warm pool's server refused: ${message.error}`));
        return;
      case 'exit':
        this.runs.get(message.pid)?.({ code: message.code, signal: message.signal });
        this.runs.delete(message.pid);
        return;
    }
  }

  private lose(why: string): void {
    if (this.gone) return;
    this.gone = new Error(why);
    for (const pending of this.pending.values()) pending.reject(this.gone);
    // Its runs die with it (parent-death signal); make sure, since nobody can report their ends now.
    for (const [pid, end] of this.runs) {
      signalGroup(pid, 'SIGKILL');
      end({ code: null, signal: 'SIGKILL', lost: this.gone });
    }
    this.runs.clear();
  }
}
