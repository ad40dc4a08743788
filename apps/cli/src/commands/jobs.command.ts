import { JOB_STATES, type Job, type JobState, type SubmitJobInput } from '@ct/shared';
import { UsageError } from '../cli-config.js';
import { age, formatTable } from '../output/table.js';
import { type Command, type CommandContext, EXIT, print } from './command.js';
import { readJsonFile } from './json-file.js';
import { pageCommand, pageQuery, requestCommand } from './request-command.js';
import { watchJob } from './watch.command.js';

/** A job file is a submission (`{ "spec": {...}, "priority": ... }`) or a bare training spec. */
export function readSubmission(file: string): SubmitJobInput {
  const value = readJsonFile(file);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${file} must hold a JSON object: a submission with "spec", or a training spec`);
  return ('spec' in value ? value : { spec: value }) as SubmitJobInput;
}

export const submitCommand: Command = {
  usage: 'submit <job.json> [--watch]',
  summary: 'submit a job (a submission or a bare spec); --watch follows it to the end',
  async run(context) {
    const body = readSubmission(context.args[0] ?? '');
    const { status, body: job } = await context.client.call('submitJob', { body });
    if (context.flags.watch) {
      context.io.err(`submitted job ${job.id} (pipeline ${job.pipeline})`);
      return watchJob(context, job.id);
    }
    const reused = status === 200 ? ' (the idempotency key was used before: this is the first job)' : '';
    print(context, job, () => `submitted job ${job.id} (pipeline ${job.pipeline}, ${job.state})${reused}`);
    return EXIT.ok;
  },
};

export const jobsCommand = pageCommand({
  usage: 'jobs [--state <state>] [--pipeline <name>] [--limit <n>] [--cursor <c>]',
  summary: "list the team's jobs, newest first",
  request: ({ client, flags }) =>
    client.listJobs({
      query: { state: jobState(flags.state), pipeline: flags.pipeline, ...pageQuery(flags) },
    }),
  table: (jobs) => formatTable(jobs, JOB_COLUMNS, 'no jobs'),
  next: () => 'jobs',
});

function jobState(state: string | undefined): JobState | undefined {
  if (state !== undefined && !JOB_STATES.includes(state as JobState))
    throw new UsageError(`--state must be one of ${JOB_STATES.join(', ')}`);
  return state as JobState | undefined;
}

export const cancelCommand: Command = {
  usage: 'cancel <job-id>',
  summary: 'cancel a queued or running job',
  async run(context) {
    const { status, body: job } = await context.client.call('cancelJob', { params: { id: jobId(context) } });
    print(context, job, () =>
      status === 202 ? `job ${job.id}: a worker has been asked to stop it` : `job ${job.id} ${job.state}`,
    );
    return EXIT.ok;
  },
};

export const retryCommand: Command = {
  usage: 'retry <job-id> [--watch]',
  summary: 'queue a failed or cancelled job again',
  async run(context) {
    const job = await context.client.retryJob({ params: { id: jobId(context) } });
    if (context.flags.watch) return watchJob(context, job.id);
    print(context, job, () => `job ${job.id} ${job.state} again (attempt ${job.attempts + 1})`);
    return EXIT.ok;
  },
};

export const positionCommand = requestCommand({
  usage: 'position <job-id>',
  summary: 'where a job stands in its queue, and why it has not started',
  request: (context) => context.client.jobPosition({ params: { id: jobId(context) } }),
  text(position) {
    const place = position.position === null ? '' : ` #${position.position} (${position.waitingAhead} ahead)`;
    return `job ${position.jobId} ${position.state}${place}: ${position.reason}: ${position.message}`;
  },
});

const JOB_COLUMNS = [
  { heading: 'id', cell: (job: Job) => job.id },
  { heading: 'pipeline', cell: (job: Job) => job.pipeline },
  { heading: 'state', cell: (job: Job) => job.state },
  { heading: 'step', cell: (job: Job) => job.progress.step },
  { heading: 'attempts', cell: (job: Job) => `${job.attempts}/${job.maxAttempts}` },
  { heading: 'age', cell: (job: Job) => age(job.createdAt) },
  { heading: 'failure', cell: (job: Job) => job.failureReason },
];

export function jobId(context: CommandContext): string {
  return context.args[0] ?? '';
}
