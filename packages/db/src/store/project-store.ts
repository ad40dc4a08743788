import { randomUUID } from 'node:crypto';
import { parseProjectRef, type TrainingSpec } from '@ct/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { ProjectVersionEntity } from '../entities/project-version.entity.js';
import { hydrate } from './hydrate.js';

/** A version to record; the id and time are the store's. */
export type NewProjectVersion = Omit<ProjectVersionEntity, 'id' | 'createdAt'>;

/** A project's name, its newest version and how many versions it has. */
export interface ProjectSummary {
  latest: ProjectVersionEntity;
  versions: number;
}

/** The uploaded versions of the teams' projects (their files are in MLflow's artifact store). */
export class ProjectStore {
  constructor(private readonly dataSource: DataSource) {}

  private get versions() {
    return this.dataSource.getRepository(ProjectVersionEntity);
  }

  /** Records a version; the same files uploaded again return the version recorded first (`created: false`). */
  async record(version: NewProjectVersion): Promise<{ version: ProjectVersionEntity; created: boolean }> {
    const inserted = await this.versions
      .createQueryBuilder()
      .insert()
      .values({ ...version, id: randomUUID() })
      .orIgnore()
      .returning('id')
      .execute();
    const stored = await this.versions.findOneByOrFail({
      team: version.team,
      name: version.name,
      hash: version.hash,
    });
    return { version: stored, created: inserted.raw.length > 0 };
  }

  /** A team's projects, by name, each with its newest version. */
  async list(team: string): Promise<ProjectSummary[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT DISTINCT ON (name) *, count(*) OVER (PARTITION BY name) AS versions
       FROM project_versions WHERE team = $1 ORDER BY name, created_at DESC, id DESC`,
      [team],
    );
    return rows.map((row) => ({
      latest: hydrate(this.dataSource, ProjectVersionEntity, row),
      versions: Number(row.versions),
    }));
  }

  /** A team's project's versions, newest first (none: the team has no such project). */
  async versionsOf(team: string, name: string): Promise<ProjectVersionEntity[]> {
    return this.versions.find({ where: { team, name }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** {@link pinProject} on this store's database. */
  pin(team: string, spec: TrainingSpec): Promise<ProjectPin> {
    return pinProject(this.dataSource.manager, team, spec);
  }
}

/** A spec whose project is named exactly, or why it cannot be (the field and the problem). */
export type ProjectPin = { spec: TrainingSpec } | { problem: { path: string; message: string } };

/**
 * The spec with its project named exactly: `<name>` becomes the team's newest uploaded version `<name>@<hash>`
 * (a name the team never uploaded stays as it is, for the operator's CT_PROJECTS_ROOT), `<name>@<prefix>` the
 * one version it names. A job stored with it, and any rerun of that job, runs the same files.
 */
export async function pinProject(
  manager: EntityManager,
  team: string,
  spec: TrainingSpec,
): Promise<ProjectPin> {
  const { custom, mlproject } = spec.model;
  const holder = custom ?? mlproject;
  if (!holder) return { spec };
  const path = custom ? 'spec.model.custom.project' : 'spec.model.mlproject.project';
  const ref = parseProjectRef(holder.project);
  const qb = manager
    .getRepository(ProjectVersionEntity)
    .createQueryBuilder('v')
    .where('v.team = :team AND v.name = :name', { team, name: ref.name })
    .orderBy('v.created_at', 'DESC')
    .addOrderBy('v.id', 'DESC')
    .limit(2);
  if (ref.hash !== undefined) qb.andWhere('starts_with(v.hash, :prefix)', { prefix: ref.hash });
  const found = await qb.getMany();
  if (ref.hash !== undefined && found.length > 1)
    return { problem: { path, message: `${holder.project} names several versions: give more of the hash` } };
  const [version] = found;
  if (!version) {
    if (ref.hash === undefined) return { spec };
    return { problem: { path, message: `team ${team} has no version ${ref.hash} of project ${ref.name}` } };
  }
  const project = `${version.name}@${version.hash}`;
  const model = custom
    ? { ...spec.model, custom: { ...custom, project } }
    : { ...spec.model, mlproject: { ...(mlproject as NonNullable<typeof mlproject>), project } };
  return { spec: { ...spec, model } };
}
