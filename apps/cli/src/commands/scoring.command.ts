import type { Job } from '@ct/shared';
import { UsageError } from '../cli-config.js';
import { type Command, type CommandContext, EXIT, print, printPage } from './command.js';
import { limitOf } from './jobs.command.js';
import { wholeNumber } from './pipeline-flags.js';
import { ref } from './pipeline-runs.command.js';
import { mergeResults, readGroundTruth, readRows } from './scoring-input.js';
import {
  describeGroundTruth,
  describeQueued,
  formatPerformance,
  formatPredictions,
} from './scoring-output.js';
import { watchJob } from './watch.command.js';

/** Prints the queued job, or with `--wait` follows it to its end (the exit code says how it ended). */
function queued(context: CommandContext, job: Job): Promise<number> | number {
  if (context.flags.wait || context.flags.watch) {
    context.io.err(describeQueued(job).split('\n')[0] ?? '');
    return watchJob(context, job.id);
  }
  print(context, { job }, () => describeQueued(job));
  return EXIT.ok;
}

export const scoreCommand: Command = {
  usage:
    'score <pipeline> [--rows <rows.json> | --since <iso> --until <iso>] [--model champion|<alias>|<version>] ' +
    '[--key-column <col>] [--mirror-to-iris] [--wait]',
  summary:
    "score rows with the pipeline's champion (or --model); every prediction is stored " +
    '(--mirror-to-iris: in IRIS too, the worker needs CT_IRIS_URL)',
  arity: 1,
  async run(context) {
    const { rows, since, until, model } = context.flags;
    if (rows !== undefined && (since !== undefined || until !== undefined))
      throw new UsageError('--rows go without --since and --until (those bound the pipeline source)');
    const body = {
      ...(rows === undefined
        ? {}
        : { rows: readRows(rows) as Record<string, number | string | boolean | null>[] }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(model === undefined ? {} : { model }),
      ...(context.flags['key-column'] === undefined ? {} : { keyColumn: context.flags['key-column'] }),
      ...(context.flags['mirror-to-iris'] ? { mirrorToIris: true } : {}),
    };
    const { job } = await context.client.submitScores({ params: ref(context), body });
    return queued(context, job);
  },
};

export const monitorCommand: Command = {
  usage: 'monitor <pipeline> [--window-seconds <n>] [--model <alias|version>] [--wait]',
  summary: "evaluate the champion's live performance and drift over the last window of predictions",
  arity: 1,
  async run(context) {
    const windowSeconds = wholeNumber('--window-seconds', context.flags['window-seconds'], 1);
    const { model } = context.flags;
    const body = {
      ...(windowSeconds === undefined ? {} : { windowSeconds }),
      ...(model === undefined ? {} : { model }),
    };
    const { job } = await context.client.submitMonitor({ params: ref(context), body });
    return queued(context, job);
  },
};

export const groundTruthCommand: Command = {
  usage: 'ground-truth <pipeline> --file <outcomes.json>',
  summary: 'attach observed outcomes to stored predictions by row key (or store outside pairs)',
  arity: 1,
  async run(context) {
    if (context.flags.file === undefined) throw new UsageError(`usage: ct ${groundTruthCommand.usage}`);
    const params = ref(context);
    // One batch after the other: a later outcome of the same key wins, as within one request.
    const results = [];
    for (const body of readGroundTruth(context.flags.file))
      results.push(await context.client.recordGroundTruth({ params, body }));
    const result = mergeResults(results);
    print(context, result, () => describeGroundTruth(result));
    return EXIT.ok;
  },
};

export const predictionsCommand: Command = {
  usage:
    'predictions <pipeline> [--labelled | --unlabelled] [--model-version <v>] [--since <iso>] [--until <iso>] ' +
    '[--limit <n>] [--cursor <c>]',
  summary: "the pipeline's stored predictions, newest first, with their outcomes once known",
  arity: 1,
  async run(context) {
    const { labelled, unlabelled, since, until, limit, cursor } = context.flags;
    if (labelled && unlabelled) throw new UsageError('--labelled and --unlabelled exclude each other');
    const params = ref(context);
    const page = await context.client.listPredictions({
      params,
      query: {
        ...(labelled ? { labelled: 'true' as const } : unlabelled ? { labelled: 'false' as const } : {}),
        ...(context.flags['model-version'] === undefined
          ? {}
          : { modelVersion: context.flags['model-version'] }),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        limit: limitOf(limit),
        cursor,
      },
    });
    printPage(context, page, formatPredictions, `predictions ${params.id}`);
    return EXIT.ok;
  },
};

export const performanceCommand: Command = {
  usage: 'performance <pipeline> [--limit <n>]',
  summary: "the pipeline's live evaluations, oldest first: metrics, samples, drift",
  arity: 1,
  async run(context) {
    const series = await context.client.getPerformance({
      params: ref(context),
      query: { limit: limitOf(context.flags.limit) },
    });
    print(context, series, () => formatPerformance(series.items));
    return EXIT.ok;
  },
};
