import type { GroundTruth, GroundTruthResult, PredictionQuery } from '@ct/shared';
import type { DataSource } from 'typeorm';
import { PredictionEntity } from '../entities/prediction.entity.js';
import { decodeKey, encodeKey, pageOf } from './cursor.js';

/** The pipeline whose predictions are read or labelled. */
export interface PredictionOwner {
  pipelineId: string;
  team: string;
}

function encode(row: { scoredAt: Date; id: string }): string {
  return encodeKey([row.scoredAt.toISOString(), row.id]);
}

function decode(cursor: string): { scoredAt: Date; id: string } {
  return decodeKey(cursor, ([at, id]) => {
    const scoredAt = new Date(String(at));
    return typeof id === 'string' && /^[0-9]{1,19}$/.test(id) && !Number.isNaN(scoredAt.getTime())
      ? { scoredAt, id }
      : null;
  });
}

/** Stored predictions as the API reads them, and the ground truth it attaches. */
export class PredictionStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Newest first. @throws InvalidCursorError for a cursor this store did not make. */
  async page(
    owner: PredictionOwner,
    query: PredictionQuery,
  ): Promise<{ items: PredictionEntity[]; nextCursor: string | null }> {
    const qb = this.dataSource
      .getRepository(PredictionEntity)
      .createQueryBuilder('p')
      .where('p.pipeline_id = :pipelineId', { pipelineId: owner.pipelineId });
    if (query.since) qb.andWhere('p.scored_at >= :since', { since: new Date(query.since) });
    if (query.until) qb.andWhere('p.scored_at <= :until', { until: new Date(query.until) });
    if (query.modelVersion) qb.andWhere('p.model_version = :version', { version: query.modelVersion });
    if (query.labelled === 'true') qb.andWhere('p.outcome IS NOT NULL');
    if (query.labelled === 'false') qb.andWhere('p.outcome IS NULL');
    if (query.cursor) {
      const after = decode(query.cursor);
      qb.andWhere('(p.scored_at, p.id) < (:scoredAt, :id)', after);
    }
    const rows = await qb
      .orderBy('p.scored_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    return pageOf(rows, query.limit, encode);
  }

  /**
   * Attaches outcomes to every stored prediction of the pipeline with the row key (a row scored twice gets it
   * twice), or stores outside pairs. Idempotent: an outcome already there counts as unchanged.
   */
  async recordGroundTruth(owner: PredictionOwner, body: GroundTruth): Promise<GroundTruthResult> {
    if ('pairs' in body) return this.insertPairs(owner, body.pairs);
    const now = new Date().toISOString();
    const keys = body.items.map((item) => item.rowKey);
    const outcomes = body.items.map((item) => item.outcome);
    // Normalised to UTC here: Postgres refuses offsets past ±15:59, which ISO 8601 (and the API) allow.
    const observed = body.items.map((item) => new Date(item.observedAt ?? now).toISOString());
    // The last item of a key wins, as if the items were sent one by one.
    const [result]: { attached: string; unchanged: string; unknown: string[] | null }[] =
      await this.dataSource.query(
        `WITH given AS (
           SELECT DISTINCT ON (key) key, outcome, observed
           FROM unnest($2::text[], $3::float8[], $4::timestamptz[]) WITH ORDINALITY AS g(key, outcome, observed, n)
           ORDER BY key, n DESC),
         matched AS (
           SELECT p.id, g.outcome, g.observed, p.outcome IS NOT DISTINCT FROM g.outcome AS same
           FROM predictions p JOIN given g ON p.pipeline_id = $1 AND p.row_key = g.key),
         updated AS (
           UPDATE predictions p SET outcome = m.outcome, observed_at = m.observed
           FROM matched m WHERE p.id = m.id AND NOT m.same RETURNING p.id)
         SELECT (SELECT count(*) FROM updated) AS attached,
                (SELECT count(*) FROM matched WHERE same) AS unchanged,
                (SELECT array_agg(g.key ORDER BY g.key) FROM given g
                 WHERE NOT EXISTS (SELECT 1 FROM predictions p
                                   WHERE p.pipeline_id = $1 AND p.row_key = g.key)) AS unknown`,
        [owner.pipelineId, keys, outcomes, observed],
      );
    return {
      attached: Number(result?.attached ?? 0),
      unchanged: Number(result?.unchanged ?? 0),
      unknownKeys: result?.unknown ?? [],
      inserted: 0,
    };
  }

  private async insertPairs(
    owner: PredictionOwner,
    pairs: Extract<GroundTruth, { pairs: unknown }>['pairs'],
  ): Promise<GroundTruthResult> {
    const now = new Date();
    await this.dataSource.getRepository(PredictionEntity).insert(
      pairs.map((pair) => ({
        team: owner.team,
        pipelineId: owner.pipelineId,
        jobId: null,
        rowKey: pair.rowKey,
        modelVersion: pair.modelVersion ?? null,
        runId: null,
        features: null,
        featuresHash: null,
        prediction: pair.prediction,
        probabilities: null,
        scoredAt: pair.scoredAt ? new Date(pair.scoredAt) : now,
        inferenceUs: null,
        outcome: pair.outcome,
        observedAt: pair.observedAt ? new Date(pair.observedAt) : now,
      })),
    );
    return { attached: 0, unchanged: 0, unknownKeys: [], inserted: pairs.length };
  }
}
