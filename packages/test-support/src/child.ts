import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from './wait-for.js';

/** A child process whose output is collected for assertions. */
export interface RunningChild {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves once the combined output contains `text`. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with how the process ended. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): RunningChild {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    output: () => output,
    waitForOutput: async (text, timeoutMs = 15_000) => {
      await waitFor(
        `output matching ${String(text)}; got so far:\n${output}`,
        () => (typeof text === 'string' ? output.includes(text) : text.test(output)),
        { timeoutMs },
      );
    },
    exited: () => exit,
    stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs a command to completion and returns its exit code and combined output. */
export async function runToEnd(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const child = startChild(command, args, env);
  const [code] = (await once(child.process, 'exit')) as [number | null];
  return { code, output: child.output() };
}
