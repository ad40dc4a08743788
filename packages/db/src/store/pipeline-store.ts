import { randomUUID } from 'node:crypto';
import type { MonitoringConfig, PipelineTriggers, Schedule, TrainingSpec } from '@ct/shared';
import { type DataSource, In } from 'typeorm';
import { DataArrivalEntity } from '../entities/data-arrival.entity.js';
import { PipelineEntity } from '../entities/pipeline.entity.js';
import { PipelineVersionEntity } from '../entities/pipeline-version.entity.js';
import { decodeKey, encodeKey, pageOf } from './cursor.js';
import { saveVersion, specHash } from './pipeline-versions.js';
import { isUuid } from './uuid.js';

/** What a pipeline is registered with. */
export interface PipelineDefinition {
  name: string;
  spec: TrainingSpec;
  schedule: Schedule | null;
  triggers: PipelineTriggers;
  cooldownSeconds: number;
  /** Absent: the defaults (no schedule, a day's window). */
  monitoring?: MonitoringConfig;
  enabled: boolean;
}

/** The fields an update may change; a spec whose hash differs from the latest makes a new version. */
export type PipelineChange = Partial<Omit<PipelineDefinition, 'name'>>;

export interface PipelineWithVersion {
  pipeline: PipelineEntity;
  version: PipelineVersionEntity;
}

/** Registered pipelines and their spec versions. */
export class PipelineStore {
  constructor(private readonly dataSource: DataSource) {}

  private get pipelines() {
    return this.dataSource.getRepository(PipelineEntity);
  }

  /** Stores the pipeline and its version 1; null when the team already has a pipeline of that name. */
  async create(
    team: string,
    definition: PipelineDefinition,
    createdBy: string | null,
  ): Promise<PipelineWithVersion | null> {
    return this.dataSource.transaction(async (manager) => {
      const id = randomUUID();
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(PipelineEntity)
        .values({
          id,
          team,
          name: definition.name,
          enabled: definition.enabled,
          schedule: definition.schedule,
          triggers: definition.triggers,
          cooldownSeconds: definition.cooldownSeconds,
          monitoring: definition.monitoring ?? {},
          latestVersion: 1,
          createdBy,
        })
        .orIgnore()
        .returning('id')
        .execute();
      if (inserted.raw.length === 0) return null;
      const version = await saveVersion(manager, id, 1, definition.spec, createdBy);
      return { pipeline: await manager.getRepository(PipelineEntity).findOneByOrFail({ id }), version };
    });
  }

  /**
   * A pipeline by id or by name. A name is looked up in `nameTeam`; an id in `team` (null: any team, for
   * admin keys).
   */
  async find(ref: string, team: string | null, nameTeam: string): Promise<PipelineEntity | null> {
    if (isUuid(ref)) return this.pipelines.findOneBy(team === null ? { id: ref } : { id: ref, team });
    return this.pipelines.findOneBy({ name: ref, team: nameTeam });
  }

  async get(id: string): Promise<PipelineEntity | null> {
    return this.pipelines.findOneBy({ id });
  }

  /** By name, then id; the cursor is opaque to clients. */
  async list(
    team: string | null,
    page: { limit: number; cursor?: string },
  ): Promise<{ items: PipelineEntity[]; nextCursor: string | null }> {
    const qb = this.pipelines.createQueryBuilder('p');
    if (team !== null) qb.andWhere('p.team = :team', { team });
    if (page.cursor) {
      const [name, id] = decodeNameCursor(page.cursor);
      qb.andWhere('(p.name, p.id) > (:name, :id)', { name, id });
    }
    const rows = await qb
      .orderBy('p.name', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(page.limit + 1)
      .getMany();
    return pageOf(rows, page.limit, (last) => encodeKey([last.name, last.id]));
  }

  /**
   * Applies the change under the pipeline's row lock; a spec that differs from the latest version's makes
   * version n + 1. Null when the pipeline is gone.
   */
  async update(id: string, change: PipelineChange, by: string | null): Promise<PipelineWithVersion | null> {
    return this.dataSource.transaction(async (manager) => {
      const pipelines = manager.getRepository(PipelineEntity);
      const pipeline = await pipelines.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!pipeline) return null;
      const versions = manager.getRepository(PipelineVersionEntity);
      let version = await versions.findOneByOrFail({ pipelineId: id, version: pipeline.latestVersion });
      if (change.spec !== undefined && specHash(change.spec) !== version.hash) {
        version = await saveVersion(manager, id, pipeline.latestVersion + 1, change.spec, by);
        pipeline.latestVersion = version.version;
      }
      if (change.schedule !== undefined) pipeline.schedule = change.schedule;
      if (change.triggers !== undefined) pipeline.triggers = change.triggers;
      if (change.cooldownSeconds !== undefined) pipeline.cooldownSeconds = change.cooldownSeconds;
      if (change.monitoring !== undefined) pipeline.monitoring = change.monitoring;
      if (change.enabled !== undefined) pipeline.enabled = change.enabled;
      await pipelines.save(pipeline);
      return { pipeline, version };
    });
  }

  /** False when there was no such pipeline. Versions, trigger records and arrivals go with it. */
  async delete(id: string): Promise<boolean> {
    const result = await this.pipelines.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  async version(pipelineId: string, version: number): Promise<PipelineVersionEntity | null> {
    return this.dataSource.getRepository(PipelineVersionEntity).findOneBy({ pipelineId, version });
  }

  /** The latest version of each pipeline. */
  async latestVersions(pipelines: readonly PipelineEntity[]): Promise<Map<string, PipelineVersionEntity>> {
    if (pipelines.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(PipelineVersionEntity)
      .createQueryBuilder('v')
      .innerJoin(PipelineEntity, 'p', 'p.id = v.pipeline_id AND p.latest_version = v.version')
      .where('v.pipeline_id IN (:...ids)', { ids: pipelines.map((p) => p.id) })
      .getMany();
    return new Map(rows.map((row) => [row.pipelineId, row]));
  }

  /** Newest first. */
  async versions(pipelineId: string, limit = 200): Promise<PipelineVersionEntity[]> {
    return this.dataSource
      .getRepository(PipelineVersionEntity)
      .find({ where: { pipelineId }, order: { version: 'DESC' }, take: limit });
  }

  /** Every pipeline whose schedule should run (enabled, with a schedule): what BullMQ must hold. */
  async scheduled(): Promise<Pick<PipelineEntity, 'id' | 'schedule'>[]> {
    return this.pipelines
      .createQueryBuilder('p')
      .select(['p.id', 'p.schedule'])
      .where('p.enabled AND p.schedule IS NOT NULL')
      .getMany();
  }

  /** Every pipeline whose monitoring schedule should run (enabled, with one): what BullMQ must hold. */
  async monitorScheduled(): Promise<Pick<PipelineEntity, 'id' | 'monitoring'>[]> {
    return this.pipelines
      .createQueryBuilder('p')
      .select(['p.id', 'p.monitoring'])
      .where("p.enabled AND jsonb_typeof(p.monitoring -> 'schedule') = 'object'")
      .getMany();
  }

  /**
   * Records a poll of the pipeline's source that counted `rows` new rows up to `until`, if no other process
   * recorded one since `previous` (the `polledUntil` the count started from): the rows become an arrival
   * at `until`. False when another process was first (its count stands; this one is dropped).
   */
  async recordPoll(
    pipelineId: string,
    previous: Date | null,
    until: Date,
    rows: number,
    source: string,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const claimed: unknown[] = await manager.query(
        `WITH claimed AS (
           UPDATE pipelines SET polled_until = $2, poll_error = NULL
           WHERE id = $1 AND polled_until IS NOT DISTINCT FROM $3::timestamptz RETURNING id)
         SELECT id FROM claimed`,
        [pipelineId, until, previous],
      );
      if (claimed.length === 0) return false;
      if (rows > 0)
        await manager
          .getRepository(DataArrivalEntity)
          .insert({ pipelineId, rows: String(rows), source, at: until });
      return true;
    });
  }

  /** Keeps why the latest poll failed, for the pipeline's view. */
  async recordPollError(pipelineId: string, error: string): Promise<void> {
    await this.pipelines.update({ id: pipelineId }, { pollError: error.slice(0, 2000) });
  }

  /** Enabled pipelines with a new-data trigger that polls their source. */
  async polled(ids?: readonly string[]): Promise<PipelineEntity[]> {
    const qb = this.pipelines
      .createQueryBuilder('p')
      .where("p.enabled AND (p.triggers -> 'newData' ->> 'pollSeconds') IS NOT NULL");
    if (ids) qb.andWhere({ id: In([...ids]) });
    return qb.getMany();
  }
}

function decodeNameCursor(cursor: string): [string, string] {
  return decodeKey(cursor, ([name, id]): [string, string] | null =>
    typeof name === 'string' && typeof id === 'string' && isUuid(id) ? [name, id] : null,
  );
}
