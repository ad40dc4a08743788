import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';

/** The columns of a score job's predictions file, as its child writes them (CSV with a header row). */
export const SCORED_FILE_COLUMNS = [
  'row_key',
  'prediction',
  'probabilities',
  'features',
  'features_hash',
  'inference_us',
] as const;

/** The columns of a monitor job's window file, as the worker writes them (CSV with a header row; times in UTC, ISO 8601). */
export const WINDOW_FILE_COLUMNS = ['row_key', 'prediction', 'outcome', 'features', 'scored_at'] as const;

/** The stored predictions a monitor job evaluates: one model version's, scored within the window. */
export interface PredictionWindow {
  pipelineId: string;
  modelVersion: string;
  start: Date;
  end: Date;
}

/** What the worker knows of every row of a score job's file: who scored them, with which model, when. */
export interface ScoredBatch {
  team: string;
  pipelineId: string;
  jobId: string;
  /** The attempt that scored them: nothing is written once the job's attempts moved on. */
  attempt: number;
  modelVersion: string;
  /** The MLflow run that trained the model version. */
  runId: string | null;
  scoredAt: Date;
}

/** The predictions file names one row key twice: the job's key column is not a key. */
export class DuplicateRowKeyError extends Error {
  constructor(detail: string) {
    super(`row keys are not unique: ${detail}`);
    this.name = 'DuplicateRowKeyError';
  }
}

const UNIQUE_VIOLATION = '23505';

/**
 * Prediction files in and out of Postgres with COPY, which moves a million rows in seconds where row-by-row
 * inserts take minutes: a score job's predictions in, a monitor job's window out.
 */
export class PredictionCopy {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes the window's predictions to `file` (header {@link WINDOW_FILE_COLUMNS}); returns their count. */
  async exportWindow(window: PredictionWindow, file: string): Promise<number> {
    // COPY takes no bind parameters: the values are quoted by the driver's own escaping.
    const lit = pg.escapeLiteral;
    const query = `COPY (
        SELECT row_key, prediction, outcome, features,
          to_char(scored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS scored_at
        FROM predictions
        WHERE pipeline_id = ${lit(window.pipelineId)}::uuid AND model_version = ${lit(window.modelVersion)}
          AND scored_at >= ${lit(window.start.toISOString())}::timestamptz
          AND scored_at <= ${lit(window.end.toISOString())}::timestamptz
        ORDER BY scored_at, id)
      TO STDOUT WITH (FORMAT csv, HEADER true)`;
    return this.withClient(async (client) => {
      const rows = client.query(copyTo(query));
      await pipeline(rows, createWriteStream(file, { mode: 0o600 }));
      return rows.rowCount;
    });
  }

  /**
   * Stores the predictions of `file` (header {@link SCORED_FILE_COLUMNS}) in one transaction that first
   * deletes the job's earlier ones (a retried attempt replaces them), fenced by the attempt. Returns the rows
   * stored, or null when the attempt is no longer the job's running one (nothing is written).
   * @throws DuplicateRowKeyError when the file names a row key twice.
   */
  async loadScores(file: string, batch: ScoredBatch): Promise<number | null> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        // FOR SHARE: the job cannot move on until this transaction ends.
        const fence = await client.query(
          `SELECT 1 FROM jobs WHERE id = $1 AND attempts = $2 AND state = 'running' FOR SHARE`,
          [batch.jobId, batch.attempt],
        );
        if (fence.rowCount === 0) {
          await client.query('ROLLBACK');
          return null;
        }
        await client.query(
          `CREATE TEMP TABLE scored_rows (row_key text, prediction double precision, probabilities jsonb,
             features jsonb, features_hash text, inference_us double precision) ON COMMIT DROP`,
        );
        const columns = SCORED_FILE_COLUMNS.join(', ');
        await pipeline(
          createReadStream(file),
          client.query(copyFrom(`COPY scored_rows (${columns}) FROM STDIN WITH (FORMAT csv, HEADER MATCH)`)),
        );
        await client.query('DELETE FROM predictions WHERE job_id = $1', [batch.jobId]);
        const inserted = await client.query(
          `INSERT INTO predictions (team, pipeline_id, job_id, model_version, run_id, scored_at, row_key,
             prediction, probabilities, features, features_hash, inference_us)
           SELECT $1, $2, $3, $4, $5, $6, row_key, prediction, probabilities, features, features_hash, inference_us
           FROM scored_rows`,
          [batch.team, batch.pipelineId, batch.jobId, batch.modelVersion, batch.runId, batch.scoredAt],
        );
        await client.query('COMMIT');
        return inserted.rowCount ?? 0;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const pgError = error as { code?: string; detail?: string };
        if (pgError.code === UNIQUE_VIOLATION) throw new DuplicateRowKeyError(pgError.detail ?? '');
        throw error;
      }
    });
  }

  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await work((await runner.connect()) as pg.PoolClient);
    } finally {
      await runner.release();
    }
  }
}
