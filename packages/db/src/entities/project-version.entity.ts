import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** An MLflow Project entry point as its `MLproject` file declares it. */
export interface ProjectEntryPoint {
  name: string;
  command: string;
  parameters: Record<string, { type: string; default: string | number | null }>;
}

/** The environment a project declares (what files say it), as recorded at upload. */
export interface ProjectEnvironment {
  /** `python_env.yaml`, `conda.yaml`, `requirements.txt` or none: the file that describes it. */
  kind: 'python_env' | 'conda' | 'requirements' | 'docker' | 'none';
  file: string | null;
}

/**
 * One uploaded version of a team's project: its files are the archive stored in MLflow's artifact store at
 * `ct-projects/<team>/<name>/<hash>.tar.gz`; `hash` is their content hash (`projectHash`), the version's id.
 */
@Entity({ name: 'project_versions' })
@Index('project_versions_version_key', ['team', 'name', 'hash'], { unique: true })
@Index('project_versions_latest_idx', ['team', 'name', 'createdAt'])
export class ProjectVersionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ name: 'unpacked_bytes', type: 'integer' })
  unpackedBytes!: number;

  @Column({ name: 'file_count', type: 'integer' })
  fileCount!: number;

  @Column({ name: 'entry_points', type: 'jsonb' })
  entryPoints!: ProjectEntryPoint[];

  @Column({ type: 'jsonb' })
  environment!: ProjectEnvironment;

  @Column({ name: 'uploaded_by', type: 'uuid', nullable: true })
  uploadedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
