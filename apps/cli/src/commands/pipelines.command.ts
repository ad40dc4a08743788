import type { CreatePipelineInput } from '@ct/shared';
import { UsageError } from '../cli-config.js';
import { type Command, type CommandContext, type CommandGroup, EXIT, print, printPage } from './command.js';
import { limitOf, readSubmission } from './jobs.command.js';
import { createPipelineBody, updatePipelineBody } from './pipeline-flags.js';
import { arrivals, ref, run, triggers, wait } from './pipeline-runs.command.js';
import {
  formatPipelines,
  formatVersions,
  pipelineSummary,
  shortHash,
  showPipeline,
} from './pipelines-output.js';

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

const create: Command = {
  usage:
    'pipelines create -f <spec.json> [--name <name>] [--cron <expr> [--timezone <tz>]] ' +
    '[--min-new-rows <n> [--poll-seconds <s>]] [--cooldown-seconds <s>] [--promotion auto|manual] [--disabled]',
  summary:
    'register a pipeline: its spec (a pipeline file, a job file or a training spec), schedule, triggers, guards',
  arity: 0,
  async run(context) {
    if (context.flags.file === undefined) throw new UsageError(`usage: ct ${create.usage}`);
    const body = pipelineFrom(context.flags.file, context.flags);
    const pipeline = await context.client.createPipeline({ body });
    print(
      context,
      pipeline,
      () => `registered pipeline ${pipeline.name}\n${pipelineSummary(pipeline, Date.now())}`,
    );
    return EXIT.ok;
  },
};

const list: Command = {
  usage: 'pipelines list [--limit <n>] [--cursor <c>]',
  summary: "the team's registered pipelines: schedule, next run, new data, last run",
  arity: 0,
  async run(context) {
    const { limit, cursor } = context.flags;
    const page = await context.client.listPipelines({ query: { limit: limitOf(limit), cursor } });
    printPage(context, page, (pipelines) => formatPipelines(pipelines, Date.now()), 'pipelines list');
    return EXIT.ok;
  },
};

const show: Command = {
  usage: 'pipelines show <name|id>',
  summary: 'a pipeline: version, champion, last run, next scheduled time, new data, the last 10 triggers',
  arity: 1,
  async run(context) {
    const params = ref(context);
    const [pipeline, triggers] = await Promise.all([
      context.client.getPipeline({ params }),
      context.client.listPipelineTriggers({ params, query: { limit: SHOW_TRIGGERS } }),
    ]);
    print(context, { pipeline, triggers: triggers.items }, () =>
      showPipeline(pipeline, triggers.items, Date.now()),
    );
    return EXIT.ok;
  },
};

const update: Command = {
  usage:
    'pipelines update <name|id> [-f <spec.json>] [--cron <expr>] [--timezone <tz>] [--no-schedule] ' +
    '[--min-new-rows <n>] [--poll-seconds <s>] [--no-new-data] [--cooldown-seconds <s>] [--promotion auto|manual]',
  summary: 'change a pipeline; a new spec or promotion policy makes a new version',
  arity: 1,
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
  return {
    usage: `pipelines ${action} <name|id>`,
    summary,
    arity: 1,
    async run(context) {
      const params = ref(context);
      const pipeline =
        action === 'enable'
          ? await context.client.enablePipeline({ params })
          : await context.client.disablePipeline({ params });
      print(
        context,
        pipeline,
        () => `pipeline ${pipeline.name} ${action}d\n${pipelineSummary(pipeline, Date.now())}`,
      );
      return EXIT.ok;
    },
  };
}

const remove: Command = {
  usage: 'pipelines delete <name|id>',
  summary: 'delete a pipeline, its versions, trigger records and schedule (its jobs and model stay)',
  arity: 1,
  async run(context) {
    const params = ref(context);
    await context.client.deletePipeline({ params });
    print(
      context,
      { deleted: params.id },
      () => `deleted pipeline ${params.id}; its jobs and registered model stay`,
    );
    return EXIT.ok;
  },
};

const versions: Command = {
  usage: 'pipelines versions <name|id>',
  summary: "a pipeline's spec versions, newest first: number, hash, when, by which key",
  arity: 1,
  async run(context) {
    const result = await context.client.listPipelineVersions({ params: ref(context) });
    print(context, result, () => formatVersions(result.items));
    return EXIT.ok;
  },
};

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
