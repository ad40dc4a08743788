import { parseArgs } from 'node:util';
import { CtApiError, CtClientError, createCtClient } from '@ct/shared';
import { cliConfig, UsageError } from './cli-config.js';
import { OPTIONS } from './cli-flags.js';
import { arityOf, type Command, type CommandGroup, EXIT } from './commands/command.js';
import {
  cancelCommand,
  jobsCommand,
  positionCommand,
  retryCommand,
  submitCommand,
} from './commands/jobs.command.js';
import { approveCommand, modelsCommand, promoteCommand, rejectCommand } from './commands/models.command.js';
import { queueCommand, queuesCommand, workersCommand } from './commands/monitoring.command.js';
import { pipelinesCommand } from './commands/pipelines.command.js';
import { projectCommand } from './commands/projects.command.js';
import {
  groundTruthCommand,
  monitorCommand,
  performanceCommand,
  predictionsCommand,
  scoreCommand,
} from './commands/scoring.command.js';
import { watchCommand } from './commands/watch.command.js';
import type { CliIo } from './output/io.js';

const COMMANDS: Readonly<Record<string, Command | CommandGroup>> = {
  submit: submitCommand,
  jobs: jobsCommand,
  watch: watchCommand,
  cancel: cancelCommand,
  retry: retryCommand,
  position: positionCommand,
  queues: queuesCommand,
  queue: queueCommand,
  workers: workersCommand,
  models: modelsCommand,
  approve: approveCommand,
  reject: rejectCommand,
  promote: promoteCommand,
  pipelines: pipelinesCommand,
  project: projectCommand,
  score: scoreCommand,
  'ground-truth': groundTruthCommand,
  monitor: monitorCommand,
  predictions: predictionsCommand,
  performance: performanceCommand,
};

/** Runs one `ct` command line; resolves to the exit code. Errors are printed, never thrown. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined>, io: CliIo) {
  try {
    const { values: flags, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [name, ...rest] = positionals;
    if (flags.help || name === undefined || name === 'help') {
      io.out(usage());
      return name === undefined && !flags.help ? EXIT.usage : EXIT.ok;
    }
    const { command, args } = commandOf(name, rest);
    if (args.length !== arityOf(command.usage)) throw new UsageError(`usage: ct ${command.usage}`);
    const config = cliConfig(flags, env);
    const client = createCtClient({
      baseUrl: config.apiUrl,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    });
    return await command.run({ args, flags, client, config, io });
  } catch (error) {
    return report(error, io);
  }
}

/** The command a command line names, and its arguments (those after the subcommand's name, for a group). */
function commandOf(name: string, args: string[]): { command: Command; args: string[] } {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) throw new UsageError(`unknown command "${name}"`);
  if (!('subcommands' in entry)) return { command: entry, args };
  const [sub, ...rest] = args;
  const command =
    sub !== undefined && Object.hasOwn(entry.subcommands, sub) ? entry.subcommands[sub] : undefined;
  if (!command) {
    const lines = Object.values(entry.subcommands).map((c) => `  ct ${c.usage}`);
    throw new UsageError(
      `ct ${name} takes one of: ${Object.keys(entry.subcommands).join(', ')}\n${lines.join('\n')}`,
    );
  }
  return { command, args: rest };
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.err(`ct: ${(error as Error).message}\nRun ct --help for the commands.`);
    return EXIT.usage;
  }
  if (error instanceof CtApiError) {
    const hint = error.code === 'unauthenticated' ? ' (set CT_API_KEY, CT_API_KEY_FILE or --key)' : '';
    io.err(`ct: ${error.status} ${error.code}: ${error.message}${hint}${fieldIssues(error)}`);
    return EXIT.apiError;
  }
  if (error instanceof CtClientError) {
    io.err(`ct: ${error.message}`);
    return EXIT.apiError;
  }
  throw error;
}

/** A `validation_failed` answer names its first bad field in the message; the others are listed below it. */
function fieldIssues(error: CtApiError): string {
  if (error.code !== 'validation_failed' || !Array.isArray(error.details) || error.details.length < 2)
    return '';
  return error.details
    .map((issue) => {
      const { path, message } = (issue ?? {}) as { path?: unknown; message?: unknown };
      return `\n  ${String(path)}: ${String(message)}`;
    })
    .join('');
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Usages longer than this put their summary on the next line, so that the summaries line up. */
const USAGE_COLUMN = 52;

function usage(): string {
  const commands = Object.values(COMMANDS).flatMap((entry) =>
    'subcommands' in entry ? Object.values(entry.subcommands) : [entry],
  );
  const width = Math.max(...commands.map((c) => c.usage.length).filter((length) => length <= USAGE_COLUMN));
  const line = (c: Command) =>
    c.usage.length <= width
      ? `  ${c.usage.padEnd(width)}  ${c.summary}`
      : `  ${c.usage}\n  ${' '.repeat(width)}  ${c.summary}`;
  return [
    'ct: submit and follow training jobs, register pipelines and their triggers, score with their champions,',
    'attach ground truth and monitor live performance, watch queues and workers, decide on models.',
    '',
    'Usage: ct <command> [arguments] [--json] [--api-url <url>] [--key <api key>]',
    '',
    ...commands.map(line),
    '',
    'The API is CT_API_URL (default http://127.0.0.1:3000); the key is CT_API_KEY, or the file CT_API_KEY_FILE.',
    '--json prints machine-readable JSON (watch: one JSON object a line).',
    'Exit codes: 0 done (watch, --wait: the job succeeded), 1 the watched job failed or was cancelled,',
    '2 bad usage, 3 the API refused or could not be reached, 130 watch stopped by Ctrl-C (the job goes on).',
  ].join('\n');
}
