import type { CreatePipelineInput, Pipeline, PipelineTriggers, UpdatePipelineInput } from '@ct/shared';
import { UsageError } from '../cli-config.js';
import type { CliFlags } from '../cli-flags.js';

type Spec = CreatePipelineInput['spec'];
const POLICIES = ['auto', 'manual'] as const;

/**
 * The body of `POST /v1/pipelines` from the flags of `ct pipelines create`. Only the flags' own form is
 * checked here (numbers, pairs that need each other); the API judges the values (cron, time zone, limits).
 */
export function createPipelineBody(flags: CliFlags, spec: Spec): CreatePipelineInput {
  if (flags['no-schedule'] || flags['no-new-data'])
    throw new UsageError('--no-schedule and --no-new-data are for ct pipelines update');
  if (flags.timezone !== undefined && flags.cron === undefined)
    throw new UsageError('--timezone needs --cron');
  if (flags['poll-seconds'] !== undefined && flags['min-new-rows'] === undefined)
    throw new UsageError('--poll-seconds needs --min-new-rows');
  const minNewRows = wholeNumber('--min-new-rows', flags['min-new-rows'], 1);
  const pollSeconds = wholeNumber('--poll-seconds', flags['poll-seconds'], 1);
  const cooldownSeconds = wholeNumber('--cooldown-seconds', flags['cooldown-seconds'], 0);
  return {
    spec,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.cron === undefined ? {} : { schedule: schedule(flags.cron, flags.timezone) }),
    ...(minNewRows === undefined ? {} : { triggers: { newData: newData(minNewRows, pollSeconds) } }),
    ...(cooldownSeconds === undefined ? {} : { cooldownSeconds }),
    ...promotion(flags.promotion),
    ...(flags.disabled ? { enabled: false } : {}),
  };
}

/**
 * The body of `PATCH /v1/pipelines/:id` from the flags of `ct pipelines update`. The schedule and the
 * triggers are replaced whole by the API, so a flag that changes one part keeps the other parts of `current`
 * (`--cron` alone keeps the time zone, `--min-new-rows` alone keeps the poll interval).
 */
export function updatePipelineBody(
  flags: CliFlags,
  spec: Spec | undefined,
  current: Pipeline,
): UpdatePipelineInput {
  const patch: UpdatePipelineInput = {
    ...(spec === undefined ? {} : { spec }),
    ...scheduleChange(flags, current),
    ...triggersChange(flags, current),
    ...promotion(flags.promotion),
  };
  const cooldownSeconds = wholeNumber('--cooldown-seconds', flags['cooldown-seconds'], 0);
  if (cooldownSeconds !== undefined) patch.cooldownSeconds = cooldownSeconds;
  if (Object.keys(patch).length === 0)
    throw new UsageError(
      'nothing to change: give -f, --cron, --timezone, --no-schedule, --min-new-rows, --poll-seconds, ' +
        '--no-new-data, --cooldown-seconds or --promotion',
    );
  return patch;
}

function scheduleChange(flags: CliFlags, current: Pipeline): Pick<UpdatePipelineInput, 'schedule'> {
  const { cron, timezone } = flags;
  if (flags['no-schedule']) {
    if (cron !== undefined || timezone !== undefined)
      throw new UsageError('--no-schedule removes the schedule: it does not go with --cron or --timezone');
    return { schedule: null };
  }
  if (cron === undefined && timezone === undefined) return {};
  const kept = cron ?? current.schedule?.cron;
  if (kept === undefined) throw new UsageError(`${current.name} has no schedule: --timezone needs --cron`);
  return { schedule: schedule(kept, timezone ?? current.schedule?.timezone) };
}

function triggersChange(flags: CliFlags, current: Pipeline): Pick<UpdatePipelineInput, 'triggers'> {
  const { newData: currentNewData, ...others } = current.triggers;
  if (flags['no-new-data']) {
    if (flags['min-new-rows'] !== undefined || flags['poll-seconds'] !== undefined)
      throw new UsageError(
        '--no-new-data removes the trigger: it does not go with --min-new-rows or --poll-seconds',
      );
    return { triggers: others };
  }
  const minNewRows = wholeNumber('--min-new-rows', flags['min-new-rows'], 1);
  const pollSeconds = wholeNumber('--poll-seconds', flags['poll-seconds'], 1);
  if (minNewRows === undefined && pollSeconds === undefined) return {};
  const rows = minNewRows ?? currentNewData?.minNewRows;
  if (rows === undefined)
    throw new UsageError(`${current.name} has no new-data trigger: --poll-seconds needs --min-new-rows`);
  return { triggers: { ...others, newData: newData(rows, pollSeconds ?? currentNewData?.pollSeconds) } };
}

function schedule(cron: string, timezone: string | undefined) {
  return { cron, ...(timezone === undefined ? {} : { timezone }) };
}

function newData(
  minNewRows: number,
  pollSeconds: number | undefined,
): NonNullable<PipelineTriggers['newData']> {
  return { minNewRows, ...(pollSeconds === undefined ? {} : { pollSeconds }) };
}

function promotion(policy: string | undefined): Pick<CreatePipelineInput, 'promotion'> {
  if (policy === undefined) return {};
  if (!POLICIES.includes(policy as (typeof POLICIES)[number]))
    throw new UsageError(`--promotion must be one of ${POLICIES.join(', ')}`);
  return { promotion: { policy: policy as (typeof POLICIES)[number] } };
}

/** A whole-number flag's value, or undefined when the flag is absent. */
export function wholeNumber(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number of at least ${min}`);
  return n;
}
