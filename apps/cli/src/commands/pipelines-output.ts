import {
  type DataArrivalResult,
  METRICS,
  type Pipeline,
  type PipelineVersion,
  type TriggerRecord,
} from '@ct/shared';
import { age, duration, formatTable, fromNow, instant } from '../output/table.js';

type NewData = NonNullable<Pipeline['newData']>;

/** `ct pipelines show`: the pipeline's summary, then its newest trigger records. */
export function showPipeline(pipeline: Pipeline, triggers: readonly TriggerRecord[], now: number): string {
  const heading = triggers.length > 0 ? `last ${triggers.length} trigger record(s), newest first:` : '';
  return [
    pipelineSummary(pipeline, now),
    '',
    heading || 'no trigger has fired yet',
    ...(heading ? [formatTriggers(triggers)] : []),
  ].join('\n');
}

/** What a pipeline is and where it stands, one `key  value` line per aspect. */
export function pipelineSummary(pipeline: Pipeline, now: number): string {
  const { latestVersion: version } = pipeline;
  const rows: [string, string][] = [
    ['pipeline', `${pipeline.name} (${pipeline.id})`],
    ['enabled', pipeline.enabled ? 'yes' : 'no: triggers are recorded as suppressed'],
    ['latest version', `${version.version} (${shortHash(version.hash)}), ${instant(version.createdAt)}`],
    ['registered model', `${pipeline.registeredModel}, promotion ${pipeline.promotion.policy}`],
    ['champion', champion(pipeline)],
    ['last run', lastRun(pipeline.lastRun, now)],
    ['schedule', pipeline.schedule ? `${pipeline.schedule.cron} (${pipeline.schedule.timezone})` : 'none'],
    ['next run', nextRun(pipeline, now)],
    ['new data', pipeline.newData ? newDataState(pipeline.newData) : 'no new-data trigger'],
    ['degradation', degradation(pipeline.triggers.degradation)],
    ['monitoring', monitoring(pipeline.monitoring)],
    [
      'cooldown',
      pipeline.cooldownSeconds > 0 ? `${duration(pipeline.cooldownSeconds)} after each run` : 'none',
    ],
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

/** The next schedule tick, absolute and relative, or why there is none. */
export function nextRun(pipeline: Pipeline, now: number): string {
  if (!pipeline.schedule) return 'none (no schedule)';
  if (!pipeline.enabled) return 'none (disabled)';
  if (!pipeline.nextRunAt) return 'none (the cron expression fires no more)';
  return `${instant(pipeline.nextRunAt)} (${fromNow(pipeline.nextRunAt, now)})`;
}

/** When the live metric makes the pipeline retrain. */
function degradation(trigger: Pipeline['triggers']['degradation']): string {
  if (!trigger) return 'no degradation trigger';
  const worse = METRICS[trigger.metric] === 'maximize' ? 'below' : 'above';
  return `retrain when live ${trigger.metric} is ${worse} ${trigger.threshold} on ${trigger.minSamples}+ labelled predictions; the run reads the last ${duration(trigger.windowSeconds)}`;
}

/** When the champion's live predictions are evaluated. */
function monitoring({ schedule, windowSeconds }: Pipeline['monitoring']): string {
  const when = schedule ? `${schedule.cron} (${schedule.timezone})` : 'on demand only';
  return `${when}, over the last ${duration(windowSeconds)} of predictions`;
}

function champion(pipeline: Pipeline): string {
  if (pipeline.championUnavailable) return `unavailable: ${pipeline.championUnavailable}`;
  if (pipeline.champion === undefined) return '-';
  if (pipeline.champion === null) return 'none yet';
  const { version, metric } = pipeline.champion;
  return metric
    ? `version ${version}, ${metric.name} ${Number(metric.value.toPrecision(4))}`
    : `version ${version}`;
}

function lastRun(run: Pipeline['lastRun'], now: number): string {
  if (!run) return 'none yet';
  const when = run.finishedAt
    ? `finished ${age(run.finishedAt, now)} ago`
    : `created ${age(run.createdAt, now)} ago`;
  const version = run.pipelineVersion === null ? '' : `, version ${run.pipelineVersion}`;
  const failure = run.failureReason ? `: ${run.failureReason}` : '';
  return `job ${run.jobId} ${run.state}${failure} (trigger ${run.trigger}${version}), ${when}`;
}

function newDataState(state: NewData): string {
  const mark = state.highWaterMark
    ? `high-water mark ${instant(state.highWaterMark)}`
    : 'no high-water mark yet';
  const counted = state.pollSeconds
    ? `counted on arrivals and every ${duration(state.pollSeconds)} on the source`
    : 'counted on arrivals';
  return `${state.rowsSinceLastRun}/${state.minNewRows} rows since the last run; ${mark}; ${counted}`;
}

/** What came of a firing, in a few words: `started job <id>`, or `suppressed (cooldown): <message>`. */
export function triggerOutcome(record: TriggerRecord): string {
  if (record.outcome === 'started') return `started job ${record.jobId}`;
  return `suppressed (${record.reason ?? 'no reason given'}): ${record.message}`;
}

/** A record's figures as `key=value` pairs, times without milliseconds. */
export function figures(record: TriggerRecord): string {
  return Object.entries(record.figures)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' && ISO_TIME.test(value) ? instant(value) : (value ?? '-')}`,
    )
    .join(' ');
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

export function formatTriggers(records: readonly TriggerRecord[]): string {
  return formatTable(records, TRIGGER_COLUMNS, 'no trigger has fired yet');
}

const TRIGGER_COLUMNS = [
  { heading: 'fired', cell: (r: TriggerRecord) => instant(r.firedAt) },
  { heading: 'kind', cell: (r: TriggerRecord) => r.kind },
  { heading: 'outcome', cell: (r: TriggerRecord) => r.outcome },
  { heading: 'reason', cell: (r: TriggerRecord) => r.reason },
  { heading: 'job', cell: (r: TriggerRecord) => r.jobId },
  { heading: 'figures', cell: figures },
];

/** `ct pipelines list`: one line a pipeline. */
export function formatPipelines(pipelines: readonly Pipeline[], now: number): string {
  return formatTable(
    pipelines,
    [
      { heading: 'name', cell: (p) => p.name },
      { heading: 'enabled', cell: (p) => (p.enabled ? 'yes' : 'no') },
      { heading: 'version', cell: (p) => p.latestVersion.version },
      { heading: 'schedule', cell: (p) => (p.schedule ? `${p.schedule.cron} ${p.schedule.timezone}` : null) },
      { heading: 'next run', cell: (p) => (p.nextRunAt ? fromNow(p.nextRunAt, now) : null) },
      {
        heading: 'new data',
        cell: (p) => (p.newData ? `${p.newData.rowsSinceLastRun}/${p.newData.minNewRows}` : null),
      },
      {
        heading: 'last run',
        cell: (p) => (p.lastRun ? `${p.lastRun.state} ${age(p.lastRun.createdAt, now)} ago` : null),
      },
    ],
    'no pipelines',
  );
}

/** `ct pipelines versions`: newest first, as the API lists them. */
export function formatVersions(versions: readonly PipelineVersion[]): string {
  return formatTable(
    versions,
    [
      { heading: 'version', cell: (v) => v.version },
      { heading: 'hash', cell: (v) => shortHash(v.hash) },
      { heading: 'created', cell: (v) => instant(v.createdAt) },
      { heading: 'by', cell: (v) => v.createdBy },
    ],
    'no versions',
  );
}

/** `ct pipelines arrivals`: what was counted, and what the new-data trigger made of it. */
export function describeArrival(result: DataArrivalResult): string {
  const lines = [`recorded ${result.rows} row(s) at ${instant(result.at)}`];
  const state = result.newData;
  if (!state) lines.push('the pipeline has no new-data trigger: arrivals start no run');
  else lines.push(`${state.rowsSinceLastRun}/${state.minNewRows} rows since the last run`);
  if (result.trigger)
    lines.push(`the ${result.trigger.kind} trigger fired: ${triggerOutcome(result.trigger)}`);
  else if (state && state.rowsSinceLastRun < state.minNewRows)
    lines.push(`no trigger fired: ${state.minNewRows - state.rowsSinceLastRun} more row(s) needed`);
  else if (state) lines.push('no trigger fired');
  return lines.join('\n');
}

/** The first 12 hex digits of a spec hash (`sha256:` prefix or not). */
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}
