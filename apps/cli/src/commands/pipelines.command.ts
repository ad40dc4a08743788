import type { CreatePipelineInput } from '@ct/shared';
import { UsageError } from '../cli-config.js';
import { type Command, type CommandContext, type CommandGroup, EXIT, print, ref } from './command.js';
import { readSubmission } from './jobs.command.js';
import { createPipelineBody, updatePipelineBody } from './pipeline-flags.js';
import { arrivals, run, triggers, wait } from './pipeline-runs.command.js';
import {
  formatPipelines,
  formatVersions,
  pipelineSummary,
  shortHash,
  showPipeline,
} from './pipelines-output.js';
import { pageCommand, pageQuery, requestCommand } from './request-command.js';

const SHOW_TRIGGERS = 10;

/** A training spec from a file, as `ct submit` reads it (a submission's spec, or a bare spec). */
const specFrom = (file: string) => readSubmission(file).spec;

/** The fields of a pipeline a file may hold beside its spec (`examples/points/pipeline.json`). */
const PIPELINE_FIELDS = [
  'name',
  'schedule',
  'triggers',
  'cooldownSeconds',
  'monitoring',
  'promotion',
  'enabled',
] as const;

/**
 * The body of `POST /v1/pipelines` from a file and the flags: the file is a pipeline (its spec and any of
 * its triggers, schedules and guards), a job file (its spec) or a bare spec; a flag wins over the file, and
 * a new-data flag keeps the file's other triggers.
 */
function pipelineFrom(file: string, flags: CommandContext['flags']): CreatePipelineInput {
  const submission = readSubmission(file) as Partial<Record<(typeof PIPELINE_FIELDS)[number], unknown>> & {
    spec: CreatePipelineInput['spec'];
  };
  const fromFile = Object.fromEntries(
    PIPELINE_FIELDS.filter((field) => submission[field] !== undefined).map((field) => [
      field,
      submission[field],
    ]),
  ) as Partial<CreatePipelineInput>;
  const fromFlags = createPipelineBody(flags, submission.spec);
  const triggers =
    fromFile.triggers && fromFlags.triggers ? { ...fromFile.triggers, ...fromFlags.triggers } : undefined;
  return { ...fromFile, ...fromFlags, ...(triggers ? { triggers } : {}) };
}

const create = requestCommand({
  usage:
    'pipelines create -f <spec.json> [--name <name>] [--cron <expr> [--timezone <tz>]] ' +
    '[--min-new-rows <n> [--poll-seconds <s>]] [--cooldown-seconds <s>] [--promotion auto|manual] [--disabled]',
  summary:
    'register a pipeline: its spec (a pipeline file, a job file or a training spec), schedule, triggers, guards',
  request(context) {
    if (context.flags.file === undefined) throw new UsageError(`usage: ct ${create.usage}`);
    return context.client.createPipeline({ body: pipelineFrom(context.flags.file, context.flags) });
  },
  text: (pipeline) => `registered pipeline ${pipeline.name}\n${pipelineSummary(pipeline, Date.now())}`,
});

const list = pageCommand({
  usage: 'pipelines list [--limit <n>] [--cursor <c>]',
  summary: "the team's registered pipelines: schedule, next run, new data, last run",
  request: ({ client, flags }) => client.listPipelines({ query: pageQuery(flags) }),
  table: (pipelines) => formatPipelines(pipelines, Date.now()),
  next: () => 'pipelines list',
});

const show = requestCommand({
  usage: 'pipelines show <name|id>',
  summary: 'a pipeline: version, champion, last run, next scheduled time, new data, the last 10 triggers',
  async request(context) {
    const params = ref(context);
    const [pipeline, triggers] = await Promise.all([
      context.client.getPipeline({ params }),
      context.client.listPipelineTriggers({ params, query: { limit: SHOW_TRIGGERS } }),
    ]);
    return { pipeline, triggers: triggers.items };
  },
  text: ({ pipeline, triggers }) => showPipeline(pipeline, triggers, Date.now()),
});

const update: Command = {
  usage:
    'pipelines update <name|id> [-f <spec.json>] [--cron <expr>] [--timezone <tz>] [--no-schedule] ' +
    '[--min-new-rows <n>] [--poll-seconds <s>] [--no-new-data] [--cooldown-seconds <s>] [--promotion auto|manual]',
  summary: 'change a pipeline; a new spec or promotion policy makes a new version',
  async run(context) {
    const params = ref(context);
    const spec = context.flags.file === undefined ? undefined : specFrom(context.flags.file);
    // The schedule and the triggers are replaced whole: the flags change parts of the current ones.
    const current = await context.client.getPipeline({ params });
    const body = updatePipelineBody(context.flags, spec, current);
    const pipeline = await context.client.updatePipeline({ params, body });
    print(context, pipeline, () => {
      const { version, hash } = pipeline.latestVersion;
      const changed = version === current.latestVersion.version ? 'same version' : 'new version';
      return `updated pipeline ${pipeline.name} (${changed} ${version}, ${shortHash(hash)})\n${pipelineSummary(pipeline, Date.now())}`;
    });
    return EXIT.ok;
  },
};

function toggle(action: 'enable' | 'disable', summary: string): Command {
  return requestCommand({
    usage: `pipelines ${action} <name|id>`,
    summary,
    request: (context) =>
      action === 'enable'
        ? context.client.enablePipeline({ params: ref(context) })
        : context.client.disablePipeline({ params: ref(context) }),
    text: (pipeline) => `pipeline ${pipeline.name} ${action}d\n${pipelineSummary(pipeline, Date.now())}`,
  });
}

const remove = requestCommand({
  usage: 'pipelines delete <name|id>',
  summary: 'delete a pipeline, its versions, trigger records and schedule (its jobs and model stay)',
  async request(context) {
    const params = ref(context);
    await context.client.deletePipeline({ params });
    return { deleted: params.id };
  },
  text: ({ deleted }) => `deleted pipeline ${deleted}; its jobs and registered model stay`,
});

const versions = requestCommand({
  usage: 'pipelines versions <name|id>',
  summary: "a pipeline's spec versions, newest first: number, hash, when, by which key",
  request: (context) => context.client.listPipelineVersions({ params: ref(context) }),
  text: (result) => formatVersions(result.items),
});

/** `ct pipelines <subcommand>`: registered pipelines and their triggers. */
export const pipelinesCommand: CommandGroup = {
  summary: 'registered pipelines and their triggers',
  subcommands: {
    create,
    list,
    show,
    update,
    enable: toggle('enable', 'enable a pipeline: its triggers fire again'),
    disable: toggle(
      'disable',
      'disable a pipeline: its triggers are recorded as suppressed and start nothing',
    ),
    delete: remove,
    run,
    wait,
    versions,
    triggers,
    arrivals,
  },
};
