import type { EntityManager } from 'typeorm';

/** Rows that arrived after a pipeline's data high-water mark, and that mark. */
export interface NewDataCount {
  rows: number;
  highWaterMark: Date | null;
}

/**
 * Rows that arrived for each pipeline after its data high-water mark: the latest mark among its runs that did
 * not fail or get cancelled (a failed run's rows count again). Without such a run, every arrival counts.
 */
export async function newDataCounts(
  manager: EntityManager,
  pipelineIds: readonly string[],
): Promise<Map<string, NewDataCount>> {
  if (pipelineIds.length === 0) return new Map();
  const rows: { id: string; high_water_mark: Date | null; rows: string }[] = await manager.query(
    `WITH marks AS (
       SELECT ids.id, (SELECT max(j.data_high_water) FROM jobs j
                       WHERE j.pipeline_id = ids.id AND j.kind = 'train'
                         AND j.state IN ('queued', 'running', 'succeeded')) AS at
       FROM unnest($1::uuid[]) AS ids(id))
     SELECT marks.id, marks.at AS high_water_mark,
            (SELECT COALESCE(sum(a.rows), 0) FROM data_arrivals a
             WHERE a.pipeline_id = marks.id AND (marks.at IS NULL OR a.at > marks.at))::bigint AS rows
     FROM marks`,
    [pipelineIds],
  );
  return new Map(rows.map((row) => [row.id, { rows: Number(row.rows), highWaterMark: row.high_water_mark }]));
}

/** {@link newDataCounts} of one pipeline. */
export async function newDataCount(manager: EntityManager, pipelineId: string): Promise<NewDataCount> {
  return (await newDataCounts(manager, [pipelineId])).get(pipelineId) ?? { rows: 0, highWaterMark: null };
}
