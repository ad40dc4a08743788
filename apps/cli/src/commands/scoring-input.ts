import { type GroundTruthResult, type RouteInput, SCORING_LIMITS, type SCORING_ROUTES } from '@ct/shared';
import { UsageError } from '../cli-config.js';
import { readJsonFile } from './json-file.js';

type Row = Record<string, unknown>;
/** A body of `POST /v1/pipelines/:id/ground-truth` as the client sends it. */
export type GroundTruthInput = RouteInput<(typeof SCORING_ROUTES)['recordGroundTruth']>['body'];

/** Ground truth items per request: a 256 KB request body (the API's default limit) holds about 6,000. */
export const GROUND_TRUTH_BATCH = 1_000;

const isRow = (value: unknown): value is Row =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The rows of `ct score --rows`: a JSON array of objects (column → value), or `{"rows": [...]}`. The API
 * judges the values; too many rows are refused here, with what to do instead.
 */
export function readRows(file: string): Row[] {
  const value = readJsonFile(file);
  const rows = isRow(value) && 'rows' in value ? value.rows : value;
  if (!Array.isArray(rows) || !rows.every(isRow))
    throw new UsageError(`${file} must hold a JSON array of rows (objects), or {"rows": [...]}`);
  if (rows.length === 0) throw new UsageError(`${file} holds no rows`);
  if (rows.length > SCORING_LIMITS.maxInlineRows)
    throw new UsageError(
      `${file} holds ${rows.length} rows; at most ${SCORING_LIMITS.maxInlineRows} go inline: score the pipeline's source instead (--since/--until)`,
    );
  return rows;
}

/**
 * The bodies of `ct ground-truth --file`, in batches: the file is `{"items": [...]}` (outcomes by row key),
 * `{"pairs": [...]}` (an outside system's predictions with their outcomes), or a bare array of items.
 */
export function readGroundTruth(file: string): GroundTruthInput[] {
  const value = readJsonFile(file);
  const [kind, list] = Array.isArray(value)
    ? (['items', value] as const)
    : isRow(value) && Array.isArray(value.items) && !('pairs' in value)
      ? (['items', value.items] as const)
      : isRow(value) && Array.isArray(value.pairs) && !('items' in value)
        ? (['pairs', value.pairs] as const)
        : (['none', null] as const);
  if (kind === 'none' || list === null)
    throw new UsageError(`${file} must hold {"items": [...]}, {"pairs": [...]} or an array of items`);
  if (list.length === 0) throw new UsageError(`${file} holds no ${kind}`);
  const batches: GroundTruthInput[] = [];
  for (let start = 0; start < list.length; start += GROUND_TRUTH_BATCH) {
    const batch = list.slice(start, start + GROUND_TRUTH_BATCH);
    batches.push((kind === 'items' ? { items: batch } : { pairs: batch }) as GroundTruthInput);
  }
  return batches;
}

/** The answers of several batches as one: counts added up, unknown keys listed once, sorted. */
export function mergeResults(results: readonly GroundTruthResult[]): GroundTruthResult {
  const unknown = new Set(results.flatMap((result) => result.unknownKeys));
  return {
    attached: results.reduce((sum, result) => sum + result.attached, 0),
    unchanged: results.reduce((sum, result) => sum + result.unchanged, 0),
    unknownKeys: [...unknown].sort(),
    inserted: results.reduce((sum, result) => sum + result.inserted, 0),
  };
}
