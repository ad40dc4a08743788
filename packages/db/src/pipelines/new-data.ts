import type { EntityManager } from 'typeorm';

/**
 * Rows that arrived for a pipeline after its data high-water mark: the latest mark among its runs that did
 * not fail or get cancelled (a failed run's rows count again). Without such a run, every arrival counts.
 */
export async function newDataCount(
  manager: EntityManager,
  pipelineId: string,
): Promise<{ rows: number; highWaterMark: Date | null }> {
  const [row] = (await manager.query(
    `WITH mark AS (
       SELECT max(data_high_water) AS at FROM jobs
       WHERE pipeline_id = $1 AND state IN ('queued', 'running', 'succeeded'))
     SELECT (SELECT at FROM mark) AS high_water_mark,
            COALESCE(sum(a.rows), 0)::bigint AS rows
     FROM data_arrivals a
     WHERE a.pipeline_id = $1 AND ((SELECT at FROM mark) IS NULL OR a.at > (SELECT at FROM mark))`,
    [pipelineId],
  )) as { high_water_mark: Date | null; rows: string }[];
  return { rows: Number(row?.rows ?? 0), highWaterMark: row?.high_water_mark ?? null };
}
