import type { TrainingSpec } from '@ct/shared';
import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { countCsvRows } from './csv-row-counter.js';

/** A source whose new rows the platform can count: a `postgres` query or a `csv` file with a `time_column`. */
type CountableSource =
  | { kind: 'postgres'; query: string; timeColumn: string }
  | { kind: 'csv'; path: string; timeColumn: string };

/** The countable part of a spec's data source, or null when it cannot be polled. */
export function countableSource(spec: TrainingSpec): CountableSource | null {
  const data = spec.data;
  if (data.source === 'postgres' && data.time_column)
    return { kind: 'postgres', query: data.query, timeColumn: data.time_column };
  if (data.source === 'csv' && data.time_column)
    return { kind: 'csv', path: data.path, timeColumn: data.time_column };
  return null;
}

/** Why a spec's source cannot be polled for new rows, or null. */
export function pollProblem(spec: TrainingSpec): string | null {
  if (countableSource(spec)) return null;
  return 'polling counts new rows of a postgres or csv source with a time_column; report other arrivals with POST /v1/pipelines/:id/data-arrivals';
}

/**
 * Counts rows of a pipeline's source by their time column: a `postgres` source on CT_SOURCE_DATABASE_URL in a
 * READ ONLY transaction with the source statement timeout (the database and limits the pipeline reads with),
 * a `csv` file under CT_DATA_ROOT when it was modified since the previous count.
 */
@Injectable()
export class SourceRowCounter {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  /** Rows whose time column is after `from` (every row when null) and at or before `until`. */
  count(source: CountableSource, from: Date | null, until: Date): Promise<number> {
    if (source.kind === 'csv')
      return countCsvRows(this.config.dataRoot, source.path, source.timeColumn, from, until);
    return this.countQuery(source, from, until);
  }

  private async countQuery(
    source: Extract<CountableSource, { kind: 'postgres' }>,
    from: Date | null,
    until: Date,
  ): Promise<number> {
    if (!this.config.sourceDatabaseUrl) throw new Error('CT_SOURCE_DATABASE_URL is not set for the API');
    const client = new pg.Client({
      connectionString: this.config.sourceDatabaseUrl,
      connectionTimeoutMillis: 5_000,
      application_name: 'ct-api new-data poll',
    });
    await client.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.floor(this.config.sourceStatementTimeoutMs)}`);
      await client.query("SET LOCAL TIME ZONE 'UTC'");
      const column = `ct_source.${quoteIdentifier(source.timeColumn)}`;
      const lower = from === null ? '' : `${column} > $2 AND `;
      const sql = `SELECT count(*)::bigint AS rows FROM (${withoutTrailingSemicolon(source.query)}) AS ct_source WHERE ${lower}${column} <= $1`;
      const result = await client.query<{ rows: string }>(sql, from === null ? [until] : [until, from]);
      await client.query('COMMIT');
      return Number(result.rows[0]?.rows ?? 0);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function withoutTrailingSemicolon(query: string): string {
  return query.replace(/[\s;]+$/, '');
}
