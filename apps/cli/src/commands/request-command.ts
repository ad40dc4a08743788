import { UsageError } from '../cli-config.js';
import type { CliFlags } from '../cli-flags.js';
import { type Command, type CommandContext, EXIT, print } from './command.js';

// Most commands make a request and print its answer; these builders write their `run`.

/**
 * A command that makes its request and prints the answer: as JSON with `--json`, else as `text` says.
 * The commands that follow a job or print something other than the answer write their own `run`.
 */
export function requestCommand<Answer>(definition: {
  usage: string;
  summary: string;
  request(context: CommandContext): Promise<Answer>;
  text(answer: Answer, context: CommandContext): string;
}): Command {
  const { usage, summary, request, text } = definition;
  return {
    usage,
    summary,
    async run(context) {
      const answer = await request(context);
      print(context, answer, () => text(answer, context));
      return EXIT.ok;
    },
  };
}

/** A command that lists a page: as JSON with `--json`, else as a table and the command that shows the next page. */
export function pageCommand<Item>(definition: {
  usage: string;
  summary: string;
  request(context: CommandContext): Promise<{ items: Item[]; nextCursor?: string | null }>;
  table(items: Item[]): string;
  /** The command line (after `ct`) whose `--cursor` shows the next page. */
  next(context: CommandContext): string;
}): Command {
  const { table, next, ...rest } = definition;
  return requestCommand({
    ...rest,
    text(page, context) {
      const text = table(page.items);
      return page.nextCursor ? `${text}\nmore: ct ${next(context)} --cursor ${page.nextCursor}` : text;
    },
  });
}

/** The page a command line asks for: `--limit` (a whole number from 1) and `--cursor`. */
export function pageQuery(flags: CliFlags): { limit: number | undefined; cursor: string | undefined } {
  return { limit: limitOf(flags.limit), cursor: flags.cursor };
}

export function limitOf(limit: string | undefined): number | undefined {
  if (limit === undefined) return undefined;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('--limit must be a whole number of at least 1');
  return n;
}
