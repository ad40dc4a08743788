import type { ModelDecisionRequest, ModelVersionView, ModelView } from '@ct/shared';
import { formatTable } from '../output/table.js';
import { type Command, type CommandContext } from './command.js';
import { requestCommand } from './request-command.js';

export const modelsCommand = requestCommand({
  usage: 'models <team>.<pipeline>',
  summary: "a registered model's aliases and versions, with their metrics and decisions",
  request: (context) => context.client.getModel({ params: { name: context.args[0] ?? '' } }),
  text: describe,
});

type Decision = 'approve' | 'reject' | 'promote';

function decisionCommand(action: Decision, summary: string): Command {
  return requestCommand({
    usage: `${action} <team>.<pipeline> <version> [--reason <text>] [--expect-champion <version|none>]`,
    summary,
    request(context) {
      const [name = '', version = ''] = context.args;
      const input = { params: { name, version }, body: decisionBody(context.flags) };
      return action === 'approve'
        ? context.client.approveModelVersion(input)
        : action === 'reject'
          ? context.client.rejectModelVersion(input)
          : context.client.promoteModelVersion(input);
    },
    text: (model, { args }) => `${action}: ${args[0]} version ${args[1]}\n${describe(model)}`,
  });
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
