import type { Job } from '@ct/shared';
import { UsageError } from '../cli-config.js';
import type { CliFlags } from '../cli-flags.js';
import { type Command, type CommandContext, EXIT, print, ref } from './command.js';
import { wholeNumber } from './pipeline-flags.js';
import { limitOf, pageCommand, pageQuery, requestCommand } from './request-command.js';
import { mergeResults, readGroundTruth, readRows } from './scoring-input.js';
import {
  describeGroundTruth,
  describeQueued,
  formatPerformance,
  formatPredictions,
} from './scoring-output.js';
import { watchJob } from './watch.command.js';

/**
 * A command that queues a job: it prints the job, or with `--wait` follows it to its end (the exit code says
 * how it ended).
 */
function queueingCommand(definition: {
  usage: string;
  summary: string;
  submit(context: CommandContext): Promise<{ job: Job }>;
}): Command {
  const { usage, summary, submit } = definition;
  return {
    usage,
    summary,
    async run(context) {
      const { job } = await submit(context);
      if (context.flags.wait || context.flags.watch) {
        context.io.err(describeQueued(job).split('\n')[0] ?? '');
        return watchJob(context, job.id);
      }
      print(context, { job }, () => describeQueued(job));
      return EXIT.ok;
    },
  };
}

export const scoreCommand = queueingCommand({
  usage:
    'score <pipeline> [--rows <rows.json> | --since <iso> --until <iso>] [--model champion|<alias>|<version>] ' +
    '[--key-column <col>] [--mirror-to-iris] [--wait]',
  summary:
    "score rows with the pipeline's champion (or --model); every prediction is stored " +
    '(--mirror-to-iris: in IRIS too, the worker needs CT_IRIS_URL)',
  submit: (context) => context.client.submitScores({ params: ref(context), body: scoreBody(context.flags) }),
});

function scoreBody(flags: CliFlags) {
  const { rows, since, until, model } = flags;
  if (rows !== undefined && (since !== undefined || until !== undefined))
    throw new UsageError('--rows go without --since and --until (those bound the pipeline source)');
  return {
    rows:
      rows === undefined ? undefined : (readRows(rows) as Record<string, number | string | boolean | null>[]),
    since,
    until,
    model,
    keyColumn: flags['key-column'],
    mirrorToIris: flags['mirror-to-iris'],
  };
}

export const monitorCommand = queueingCommand({
  usage: 'monitor <pipeline> [--window-seconds <n>] [--model <alias|version>] [--wait]',
  summary: "evaluate the champion's live performance and drift over the last window of predictions",
  submit(context) {
    const windowSeconds = wholeNumber('--window-seconds', context.flags['window-seconds'], 1);
    return context.client.submitMonitor({
      params: ref(context),
      body: { windowSeconds, model: context.flags.model },
    });
  },
});

export const groundTruthCommand = requestCommand({
  usage: 'ground-truth <pipeline> --file <outcomes.json>',
  summary: 'attach observed outcomes to stored predictions by row key (or store outside pairs)',
  async request(context) {
    if (context.flags.file === undefined) throw new UsageError(`usage: ct ${groundTruthCommand.usage}`);
    const params = ref(context);
    // One batch after the other: a later outcome of the same key wins, as within one request.
    const results = [];
    for (const body of readGroundTruth(context.flags.file))
      results.push(await context.client.recordGroundTruth({ params, body }));
    return mergeResults(results);
  },
  text: describeGroundTruth,
});

export const predictionsCommand = pageCommand({
  usage:
    'predictions <pipeline> [--labelled | --unlabelled] [--model-version <v>] [--since <iso>] [--until <iso>] ' +
    '[--limit <n>] [--cursor <c>]',
  summary: "the pipeline's stored predictions, newest first, with their outcomes once known",
  request(context) {
    const { labelled, unlabelled, since, until } = context.flags;
    if (labelled && unlabelled) throw new UsageError('--labelled and --unlabelled exclude each other');
    return context.client.listPredictions({
      params: ref(context),
      query: {
        labelled: labelled ? 'true' : unlabelled ? 'false' : undefined,
        modelVersion: context.flags['model-version'],
        since,
        until,
        ...pageQuery(context.flags),
      },
    });
  },
  table: formatPredictions,
  next: (context) => `predictions ${ref(context).id}`,
});

export const performanceCommand = requestCommand({
  usage: 'performance <pipeline> [--limit <n>]',
  summary: "the pipeline's live evaluations, oldest first: metrics, samples, drift",
  request: (context) =>
    context.client.getPerformance({ params: ref(context), query: { limit: limitOf(context.flags.limit) } }),
  text: (series) => formatPerformance(series.items),
});
