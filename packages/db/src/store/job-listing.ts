import type { ListJobsQuery } from '@ct/shared';
import type { DataSource } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { decodeCursor, encodeCursor, pageOf } from './cursor.js';
import { hydrate } from './hydrate.js';

/**
 * A page of jobs, newest first, filtered by team (null: every team), state, pipeline and creation time; the
 * cursor (opaque to clients) is the last job of the previous page.
 */
export async function listJobs(
  dataSource: DataSource,
  team: string | null,
  query: ListJobsQuery,
): Promise<{ items: JobEntity[]; nextCursor: string | null }> {
  const values: unknown[] = [];
  const value = (v: unknown) => `$${values.push(v)}`;
  const where: string[] = [];
  if (team !== null) where.push(`team = ${value(team)}`);
  if (query.state) where.push(`state = ${value(query.state)}`);
  if (query.pipeline) where.push(`pipeline = ${value(query.pipeline)}`);
  if (query.createdAfter) where.push(`created_at >= ${value(new Date(query.createdAfter))}`);
  if (query.createdBefore) where.push(`created_at < ${value(new Date(query.createdBefore))}`);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    where.push(`(created_at, id) < (${value(cursor.createdAt)}, ${value(cursor.id)})`);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const raw: Record<string, unknown>[] = await dataSource.query(
    `SELECT * FROM jobs ${filter} ORDER BY created_at DESC, id DESC LIMIT ${value(query.limit + 1)}`,
    values,
  );
  const rows = raw.map((row) => hydrate(dataSource, JobEntity, row));
  return pageOf(rows, query.limit, encodeCursor);
}
