import { UsageError } from '../cli-config.js';
import { type Command, EXIT, print, ref } from './command.js';
import { wholeNumber } from './pipeline-flags.js';
import { describeArrival, formatTriggers } from './pipelines-output.js';
import { pageCommand, pageQuery, requestCommand } from './request-command.js';
import { watchJob } from './watch.command.js';

// `ct pipelines run|wait|triggers|arrivals`: a registered pipeline's runs and what starts them.

export const run: Command = {
  usage: 'pipelines run <name|id> [--watch]',
  summary: 'run the latest version now (trigger manual); --watch follows the job to its end',
  async run(context) {
    const { job, trigger } = await context.client.startPipelineRun({ params: ref(context) });
    const started = `started job ${job.id} (pipeline ${job.pipeline}, version ${job.pipelineVersion ?? '-'}, trigger ${trigger.kind})`;
    if (context.flags.watch) {
      context.io.err(started);
      return watchJob(context, job.id);
    }
    print(context, { job, trigger }, () => `${started}\nfollow it: ct watch ${job.id}`);
    return EXIT.ok;
  },
};

export const wait: Command = {
  usage: 'pipelines wait <name|id>',
  summary:
    "follow the pipeline's latest training run to its end (a triggered one too); exit 0 only if it succeeded",
  async run(context) {
    const pipeline = await context.client.getPipeline({ params: ref(context) });
    if (pipeline.lastRun === null) {
      context.io.err(`pipeline ${pipeline.name} has no run yet`);
      return EXIT.jobNotSucceeded;
    }
    context.io.err(`following job ${pipeline.lastRun.jobId} (trigger ${pipeline.lastRun.trigger})`);
    return watchJob(context, pipeline.lastRun.jobId);
  },
};

export const triggers = pageCommand({
  usage: 'pipelines triggers <name|id> [--limit <n>] [--cursor <c>]',
  summary: "a pipeline's trigger records, newest first: kind, figures, started job or why suppressed",
  request: (context) =>
    context.client.listPipelineTriggers({ params: ref(context), query: pageQuery(context.flags) }),
  table: formatTriggers,
  next: (context) => `pipelines triggers ${ref(context).id}`,
});

export const arrivals = requestCommand({
  usage: 'pipelines arrivals <name|id> --rows <n> [--source <where>] [--at <iso time>]',
  summary: 'record rows that arrived; the new-data trigger fires when they reach its threshold',
  request(context) {
    const { rows, source, at } = context.flags;
    const count = wholeNumber('--rows', rows, 1);
    if (count === undefined) throw new UsageError(`usage: ct ${arrivals.usage}`);
    return context.client.recordDataArrival({ params: ref(context), body: { rows: count, source, at } });
  },
  text: describeArrival,
});
