import { parseArgs } from 'node:util';
import { CtApiError, CtClientError, createCtClient } from '@ct/shared';
import { cliConfig, UsageError } from './cli-config.js';
import { type Command, EXIT } from './commands/command.js';
import {
  cancelCommand,
  jobsCommand,
  positionCommand,
  retryCommand,
  submitCommand,
} from './commands/jobs.command.js';
import { approveCommand, modelsCommand, promoteCommand, rejectCommand } from './commands/models.command.js';
import { queueCommand, queuesCommand, workersCommand } from './commands/monitoring.command.js';
import { watchCommand } from './commands/watch.command.js';
import type { CliIo } from './output/io.js';

const COMMANDS: Readonly<Record<string, Command>> = {
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
};

const OPTIONS = {
  json: { type: 'boolean' },
  'api-url': { type: 'string' },
  key: { type: 'string' },
  state: { type: 'string' },
  pipeline: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  reason: { type: 'string' },
  'expect-champion': { type: 'string' },
  watch: { type: 'boolean' },
  'min-age': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs one `ct` command line; resolves to the exit code. Errors are printed, never thrown. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined>, io: CliIo) {
  try {
    const { values: flags, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [name, ...args] = positionals;
    if (flags.help || name === undefined || name === 'help') {
      io.out(usage());
      return name === undefined && !flags.help ? EXIT.usage : EXIT.ok;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}"`);
    if (args.length !== command.arity) throw new UsageError(`usage: ct ${command.usage}`);
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

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.err(`ct: ${(error as Error).message}\nRun ct --help for the commands.`);
    return EXIT.usage;
  }
  if (error instanceof CtApiError) {
    const hint = error.code === 'unauthenticated' ? ' (set CT_API_KEY, CT_API_KEY_FILE or --key)' : '';
    io.err(`ct: ${error.status} ${error.code}: ${error.message}${hint}`);
    return EXIT.apiError;
  }
  if (error instanceof CtClientError) {
    io.err(`ct: ${error.message}`);
    return EXIT.apiError;
  }
  throw error;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((command) => command.usage.length));
  return [
    'ct: submit and follow training jobs, watch queues and workers, decide on models.',
    '',
    'Usage: ct <command> [arguments] [--json] [--api-url <url>] [--key <api key>]',
    '',
    ...Object.values(COMMANDS).map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`),
    '',
    'The API is CT_API_URL (default http://127.0.0.1:3000); the key is CT_API_KEY, or the file CT_API_KEY_FILE.',
    '--json prints machine-readable JSON (watch: one JSON object a line).',
    'Exit codes: 0 done (watch: the job succeeded), 1 the watched job failed or was cancelled,',
    '2 bad usage, 3 the API refused or could not be reached, 130 watch stopped by Ctrl-C (the job goes on).',
  ].join('\n');
}
