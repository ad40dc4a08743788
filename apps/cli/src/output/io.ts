/** Where the CLI writes: standard output for results, standard error for errors and progress. */
export interface CliIo {
  out(text: string): void;
  /** Writes without a line end (the terminal's redrawn status line). */
  write(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal: then `watch` redraws one status line instead of printing each step. */
  readonly interactive: boolean;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    write: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(`${text}\n`),
    interactive: process.stdout.isTTY === true,
  };
}
