import type { CtClient } from '@ct/shared';
import type { CliConfig } from '../cli-config.js';
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

export interface CliFlags {
  json?: boolean;
  state?: string;
  pipeline?: string;
  limit?: string;
  cursor?: string;
  reason?: string;
  'expect-champion'?: string;
  watch?: boolean;
  'min-age'?: string;
  file?: string;
  name?: string;
  cron?: string;
  timezone?: string;
  'no-schedule'?: boolean;
  'min-new-rows'?: string;
  'poll-seconds'?: string;
  'no-new-data'?: boolean;
  'cooldown-seconds'?: string;
  promotion?: string;
  disabled?: boolean;
  rows?: string;
  source?: string;
  at?: string;
  since?: string;
  until?: string;
  model?: string;
  'key-column'?: string;
  'mirror-to-iris'?: boolean;
  'model-version'?: string;
  'window-seconds'?: string;
  labelled?: boolean;
  unlabelled?: boolean;
  wait?: boolean;
}

export interface Command {
  usage: string;
  summary: string;
  /** How many positional arguments it takes. */
  arity: number;
  run(context: CommandContext): Promise<number>;
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

/** Prints a page of a list: as JSON with `--json`, else as a table and the command that shows the next page. */
export function printPage<T>(
  context: CommandContext,
  page: { items: T[]; nextCursor?: string | null },
  table: (items: T[]) => string,
  command: string,
): void {
  print(context, page, () => {
    const text = table(page.items);
    return page.nextCursor ? `${text}\nmore: ct ${command} --cursor ${page.nextCursor}` : text;
  });
}
