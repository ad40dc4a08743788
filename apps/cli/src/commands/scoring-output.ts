import type { GroundTruthResult, Job, PerformanceEvaluation, Prediction } from '@ct/shared';
import { type Column, formatTable, instant } from '../output/table.js';

// Unknown row keys printed by name; the rest are counted.
const SHOWN_UNKNOWN_KEYS = 20;

/** A queued score or monitor job, and how to follow it. */
export function describeQueued(job: Job): string {
  const task = job.task;
  const what =
    task?.kind === 'score'
      ? task.rows
        ? `${task.rows.length} inline row(s)`
        : `${task.source ? `a ${task.source.source} source` : "the pipeline's source"}${bounds(task.since, task.until)}`
      : task?.kind === 'monitor'
        ? `predictions from ${instant(task.windowStart)} to ${instant(task.windowEnd)}`
        : 'its spec';
  const model = task ? `model ${task.model}` : '';
  const mirror = task?.kind === 'score' && task.mirrorToIris ? ', mirrored to IRIS' : '';
  return [
    `queued ${job.kind} job ${job.id} (pipeline ${job.pipeline}, ${model}, ${what}${mirror})`,
    `follow it: ct watch ${job.id}`,
  ].join('\n');
}

function bounds(since: string | null, until: string | null): string {
  if (!since && !until) return '';
  return ` from ${since ? instant(since) : 'the start'} to ${until ? instant(until) : 'now'}`;
}

/** What `ct ground-truth` did, and the row keys nothing was attached to. */
export function describeGroundTruth(result: GroundTruthResult): string {
  const lines = [
    `attached ${result.attached}, unchanged ${result.unchanged}, inserted ${result.inserted}, unknown ${result.unknownKeys.length}`,
  ];
  if (result.unknownKeys.length > 0) {
    const shown = result.unknownKeys.slice(0, SHOWN_UNKNOWN_KEYS).join(', ');
    const more = result.unknownKeys.length - SHOWN_UNKNOWN_KEYS;
    lines.push(`unknown row keys (no stored prediction): ${shown}${more > 0 ? `, and ${more} more` : ''}`);
  }
  return lines.join('\n');
}

const PREDICTION_COLUMNS: Column<Prediction>[] = [
  { heading: 'scored', cell: (p) => instant(p.scoredAt) },
  { heading: 'row key', cell: (p) => p.rowKey },
  { heading: 'version', cell: (p) => p.modelVersion },
  { heading: 'prediction', cell: (p) => number(p.prediction) },
  { heading: 'outcome', cell: (p) => (p.outcome === null ? null : number(p.outcome)) },
  { heading: 'observed', cell: (p) => (p.observedAt ? instant(p.observedAt) : null) },
  { heading: 'job', cell: (p) => p.jobId ?? 'outside' },
];

/** Stored predictions as a table, newest first as given. */
export function formatPredictions(items: readonly Prediction[]): string {
  return formatTable(items, PREDICTION_COLUMNS, 'no predictions');
}

/** The performance series as a table: one line per evaluation, a column per metric any of them has. */
export function formatPerformance(items: readonly PerformanceEvaluation[]): string {
  const metrics = [...new Set(items.flatMap((item) => Object.keys(item.metrics)))].sort();
  const columns: Column<PerformanceEvaluation>[] = [
    { heading: 'evaluated', cell: (e) => instant(e.createdAt) },
    { heading: 'version', cell: (e) => e.modelVersion },
    { heading: 'window', cell: (e) => `${instant(e.windowStart)} - ${instant(e.windowEnd)}` },
    { heading: 'samples', cell: (e) => `${e.samples}/${e.scored}` },
    ...metrics.map((name) => ({
      heading: name,
      cell: (e: PerformanceEvaluation) => (name in e.metrics ? number(e.metrics[name] ?? 0) : null),
    })),
    { heading: 'drift', cell: drift },
  ];
  return formatTable(items, columns, 'no evaluation yet: ct monitor <pipeline> runs one');
}

function drift(evaluation: PerformanceEvaluation): string {
  if (!evaluation.drift) return evaluation.driftSkipped ? 'skipped' : '-';
  const { drifted, features, shareDrifted } = evaluation.drift;
  return `${drifted}/${Object.keys(features).length} features (${Math.round(shareDrifted * 100)}%)`;
}

/** Four significant digits: enough to compare, short enough for a table. */
function number(value: number): string {
  return String(Number(value.toPrecision(4)));
}
