import { ProjectStore, type ProjectVersionEntity } from '@ct/db';
import {
  type ProjectList,
  type ProjectVersion,
  type ProjectView,
  projectArchivePath,
  type TrainingSpec,
} from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import {
  DEFAULT_ARCHIVE_LIMITS,
  ProjectArchiveError,
  readProjectArchive,
  writeProjectArchive,
} from '@ct/shared/project-archive';
import { MlflowUnreachableError, putMlflowArtifact } from '@ct/shared/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import type { Principal } from '../auth/principal.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { ApiError } from '../errors/api-error.js';
import { DependencyUnavailableError } from '../errors/dependency-error.js';
import { ManifestError, readManifest } from './project-manifest.js';

/** Teams' uploaded projects: each upload a version named by its files' hash, kept in MLflow's artifact store. */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectStore,
    @Inject(API_CONFIG) private readonly config: Pick<ApiConfig, 'mlflowTrackingUri'>,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  /**
   * Checks the archive (only regular files, within the limits), reads its `MLproject`, stores the files
   * (a canonical archive of them: the same files always give the same bytes) and records the version.
   */
  async upload(
    principal: Principal,
    name: string,
    body: unknown,
  ): Promise<{ version: ProjectVersion; created: boolean }> {
    if (!Buffer.isBuffer(body) || body.length === 0)
      throw new ApiError(
        'validation_failed',
        'the body must be the project as a .tar.gz archive, sent with Content-Type: application/gzip',
      );
    const archive = this.read(body);
    let manifest: ReturnType<typeof readManifest>;
    try {
      manifest = readManifest(archive.files);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      throw ApiError.validation([{ path: 'MLproject', message: error.message }]);
    }
    const stored = writeProjectArchive(archive.files);
    const path = projectArchivePath(principal.team, name, archive.hash);
    try {
      await putMlflowArtifact(this.config.mlflowTrackingUri, path, stored);
    } catch (error) {
      const unreachable = error instanceof MlflowUnreachableError;
      throw new DependencyUnavailableError(
        'mlflow',
        `${unreachable ? '' : 'storing the project: '}${(error as Error).message}`,
        { cause: error },
      );
    }
    const { version, created } = await this.projects.record({
      team: principal.team,
      name,
      hash: archive.hash,
      sizeBytes: stored.length,
      unpackedBytes: archive.unpackedBytes,
      fileCount: archive.files.length,
      entryPoints: manifest.entryPoints,
      environment: manifest.environment,
      uploadedBy: principal.keyId,
    });
    if (created)
      this.audit.info('project.uploaded', {
        team: principal.team,
        project: name,
        hash: archive.hash,
        files: archive.files.length,
        actor: principal.keyId,
      });
    return { version: toProjectDto(version), created };
  }

  async list(principal: Principal): Promise<ProjectList> {
    const summaries = await this.projects.list(principal.team);
    return {
      items: summaries.map(({ latest, versions }) => ({
        name: latest.name,
        versions,
        latest: toProjectDto(latest),
      })),
    };
  }

  async get(principal: Principal, name: string): Promise<ProjectView> {
    const versions = await this.projects.versionsOf(principal.team, name);
    if (versions.length === 0)
      throw new ApiError('not_found', `team ${principal.team} has no project ${name}`);
    return { name, versions: versions.map(toProjectDto) };
  }

  /**
   * The spec with its project named exactly (`pinProject`).
   * @throws ApiError validation_failed when `@<prefix>` names no version of the team's, or several.
   */
  async pin(team: string, spec: TrainingSpec): Promise<TrainingSpec> {
    const pinned = await this.projects.pin(team, spec);
    if ('problem' in pinned) throw ApiError.validation([pinned.problem]);
    return pinned.spec;
  }

  private read(body: Buffer) {
    try {
      return readProjectArchive(body, DEFAULT_ARCHIVE_LIMITS);
    } catch (error) {
      if (!(error instanceof ProjectArchiveError)) throw error;
      if (error.code === 'archive_too_large') throw new ApiError('payload_too_large', error.message);
      throw ApiError.validation([{ path: 'archive', message: error.message }]);
    }
  }
}

function toProjectDto(version: ProjectVersionEntity): ProjectVersion {
  return {
    team: version.team,
    name: version.name,
    hash: version.hash,
    ref: `${version.name}@${version.hash}`,
    sizeBytes: version.sizeBytes,
    unpackedBytes: version.unpackedBytes,
    fileCount: version.fileCount,
    entryPoints: version.entryPoints,
    environment: version.environment,
    uploadedBy: version.uploadedBy,
    createdAt: version.createdAt.toISOString(),
  };
}
