import type { Readable } from 'node:stream';

/** How a started pipeline process ended: its exit code or signal, or `lost` when nobody can say. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process that could report this run's end died first (the warm pool's server): the run is gone. */
  lost?: Error;
}

/** The run's process (its own group's leader) and its three streams, however it was started. */
export interface StartedProcess {
  pid: number;
  /** From the warm pool (true) or spawned cold. */
  warm: boolean;
  stdout: Readable;
  stderr: Readable;
  events: Readable;
  exited: Promise<ProcessEnd>;
  /** Every stream closed: whatever the process (or what it left behind) wrote has been read. */
  closed: Promise<void>;
}

/** What a run's process is: the pipeline's argv (after the interpreter), its environment and directory. */
export interface ProcessRequest {
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
}

/** A faster way to start a run's process; null when it cannot now (the run then starts cold). */
export interface WarmStarter {
  /** `allowed` false: the run opted out; it starts cold (and is counted as such). */
  start(request: ProcessRequest, allowed?: boolean): Promise<StartedProcess | null>;
}
