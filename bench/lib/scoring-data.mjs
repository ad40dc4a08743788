// The rows of bench/scoring.mjs: a CSV that a pipeline trains on and scores, and a million labelled
// predictions made in Postgres for a monitor job to evaluate.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { seededRandom } from './measure.mjs';

export const FEATURES = ['x1', 'x2', 'x3', 'x4'];
export const KEY_COLUMN = 'id';
export const TIME_COLUMN = 'ts';
export const TARGET = 'y';

// y = 3 x1 - 2 x2 + 0.5 x3 + noise, x in [0, 10); x4 carries nothing. The same law in SQL below.
const COEFFICIENTS = [3, -2, 0.5, 0];
const NOISE = 1;

/** Writes `rows` rows (id, ts, x1..x4, y) to `file`, their times spread over the hour before now. */
export async function writeRows(file, rows, seed = 11) {
  const next = seededRandom(seed);
  const uniform = () => next(1_000_000_000) / 1_000_000_000;
  const out = createWriteStream(file);
  out.write(`${KEY_COLUMN},${TIME_COLUMN},${FEATURES.join(',')},${TARGET}\n`);
  const start = Date.now() - 3_600_000;
  for (let i = 0; i < rows; i++) {
    const x = FEATURES.map(() => uniform() * 10);
    const y = x.reduce((sum, v, k) => sum + v * COEFFICIENTS[k], 0) + (uniform() - 0.5) * 2 * NOISE;
    const ts = new Date(start + Math.floor((i * 3_600_000) / rows)).toISOString();
    const line = `${i + 1},${ts},${x.map((v) => v.toFixed(4)).join(',')},${y.toFixed(4)}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

/**
 * One INSERT that makes `rows` predictions of a version with their outcomes, as an outside serving system's
 * pairs would be stored (no job), scored over the last hour: features drawn as the CSV's (no drift), the
 * prediction the law's value, the outcome that plus noise. Parameters: $1 team, $2 pipeline id, $3 version,
 * $4 the version's run id, $5 rows.
 */
export const FILL_PREDICTIONS_SQL = `
  INSERT INTO predictions (team, pipeline_id, job_id, row_key, model_version, run_id, features, prediction,
    scored_at, inference_us, outcome, observed_at)
  SELECT $1, $2::uuid, NULL, 'm' || i, $3, $4,
    jsonb_build_object(${FEATURES.map((f) => `'${f}', round(${f}::numeric, 4)`).join(', ')}),
    p, now() - interval '1 hour' * (i::float8 / $5::int), NULL, p + (random() - 0.5) * ${2 * NOISE}, now()
  FROM (
    SELECT i, ${FEATURES.join(', ')},
      ${FEATURES.map((f, k) => `${COEFFICIENTS[k]} * ${f}`).join(' + ')} AS p
    FROM (SELECT i, ${FEATURES.map((f) => `random() * 10 AS ${f}`).join(', ')}
          FROM generate_series(1, $5::int) AS i) AS drawn
  ) AS rows`;
