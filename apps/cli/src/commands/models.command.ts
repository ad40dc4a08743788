import type { ModelDecisionRequest, ModelVersionView, ModelView } from '@ct/shared';
import { formatTable } from '../output/table.js';
import { type Command, type CommandContext, EXIT, print } from './command.js';

export const modelsCommand: Command = {
  usage: 'models <team>.<pipeline>',
  summary: "a registered model's aliases and versions, with their metrics and decisions",
  arity: 1,
  async run(context) {
    const model = await context.client.getModel({ params: { name: context.args[0] ?? '' } });
    print(context, model, () => describe(model));
    return EXIT.ok;
  },
};

type Decision = 'approve' | 'reject' | 'promote';

function decisionCommand(action: Decision, summary: string): Command {
  return {
    usage: `${action} <team>.<pipeline> <version> [--reason <text>] [--expect-champion <version|none>]`,
    summary,
    arity: 2,
    async run(context: CommandContext) {
      const [name = '', version = ''] = context.args;
      const input = {
        params: { name, version },
        body: decisionBody(context.flags),
      };
      const model =
        action === 'approve'
          ? await context.client.approveModelVersion(input)
          : action === 'reject'
            ? await context.client.rejectModelVersion(input)
            : await context.client.promoteModelVersion(input);
      print(context, model, () => `${action}: ${name} version ${version}\n${describe(model)}`);
      return EXIT.ok;
    },
  };
}

/** `--expect-champion none` expects no champion; the API answers 409 when the champion is not the one expected. */
function decisionBody(flags: CommandContext['flags']): ModelDecisionRequest {
  const expected = flags['expect-champion'];
  return {
    ...(flags.reason ? { reason: flags.reason } : {}),
    ...(expected === undefined ? {} : { expectedChampion: expected === 'none' ? null : expected }),
  };
}

export const approveCommand = decisionCommand('approve', 'approve a challenger: it becomes champion');
export const rejectCommand = decisionCommand('reject', 'reject a challenger: the champion stays');
export const promoteCommand = decisionCommand(
  'promote',
  'make any ready version champion (roll back or forward)',
);

function describe(model: ModelView): string {
  const aliases = Object.entries(model.aliases).map(([alias, version]) => `${alias} -> ${version}`);
  return [
    `model ${model.name}${aliases.length > 0 ? `  (${aliases.join(', ')})` : ''}`,
    formatTable(model.versions, VERSION_COLUMNS, 'no versions'),
  ].join('\n');
}

const VERSION_COLUMNS = [
  { heading: 'version', cell: (v: ModelVersionView) => v.version },
  { heading: 'aliases', cell: (v: ModelVersionView) => v.aliases.join(',') },
  { heading: 'status', cell: (v: ModelVersionView) => v.status },
  {
    heading: 'metrics',
    cell: (v: ModelVersionView) =>
      Object.entries(v.metrics)
        .map(([key, value]) => `${key}=${Number(value.toPrecision(4))}`)
        .join(' '),
  },
  { heading: 'last decision', cell: (v: ModelVersionView) => v.decisions.at(-1)?.action },
  { heading: 'job', cell: (v: ModelVersionView) => v.jobId },
];
