/** Where the CLI writes: standard output for results, standard error for errors and progress. */
export interface CliIo {
  out(text: string): void;
  /** Writes without a line end (the terminal's redrawn status line). */
  write(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal: then `watch` redraws one status line instead of printing each step. */
  readonly interactive: boolean;
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) instead of ending the process, until the returned function
   * is called. A second Ctrl-C ends the process as usual.
   */
  onInterrupt(handler: () => void): () => void;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    write: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(`${text}\n`),
    interactive: process.stdout.isTTY === true,
    onInterrupt(handler) {
      process.once('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}
