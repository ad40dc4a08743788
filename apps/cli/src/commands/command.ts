import type { CtClient } from '@ct/shared';
import type { CliConfig } from '../cli-config.js';
import type { CliFlags } from '../cli-flags.js';
import type { CliIo } from '../output/io.js';

/**
 * Exit codes of `ct`: 0 done (a watched job succeeded), 1 a watched job did not, 2 usage, 3 API or network,
 * 130 a watch stopped by Ctrl-C before the job ended (the shells' own code for a Ctrl-C).
 */
export const EXIT = { ok: 0, jobNotSucceeded: 1, usage: 2, apiError: 3, interrupted: 130 } as const;

/** What every command gets: its positional arguments and flags, the client, the config and the output. */
export interface CommandContext {
  args: readonly string[];
  flags: CliFlags;
  client: CtClient;
  config: CliConfig;
  io: CliIo;
}

export interface Command {
  /** The command line it takes, which says its arguments: `cancel <job-id>`, `pipelines list [--limit <n>]`. */
  usage: string;
  summary: string;
  run(context: CommandContext): Promise<number>;
}

/**
 * How many arguments a usage line takes: its `<...>` words before the first flag (`[--limit <n>]`,
 * `-f <file>`, `--rows <n>`), so that the check of a command line and the usage it prints agree.
 */
export function arityOf(usage: string): number {
  const words = usage.split(' ');
  const flag = words.findIndex((word) => word.startsWith('[') || word.startsWith('-'));
  return words.slice(0, flag === -1 ? undefined : flag).filter((word) => word.startsWith('<')).length;
}

/** A command with subcommands (`ct pipelines create ...`): its first argument names the subcommand. */
export interface CommandGroup {
  summary: string;
  subcommands: Readonly<Record<string, Command>>;
}

/** Prints `value` as JSON when `--json` is set, else the human text. */
export function print(context: CommandContext, value: unknown, human: () => string): void {
  context.io.out(context.flags.json ? JSON.stringify(value, null, 2) : human());
}

/** The pipeline a command names, its first argument: its id or its name (the API takes either). */
export const ref = (context: CommandContext) => ({ id: context.args[0] ?? '' });
