import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseProjectRef, projectArchivePath, type TrainingSpec } from '@ct/shared';
import { ProjectArchiveError, readProjectArchive, writeProjectFiles } from '@ct/shared/project-archive';
import { getMlflowArtifact, MlflowUnreachableError } from '@ct/shared/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { describeError, InfrastructureError } from '../errors/infrastructure-error.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import type { Refusal } from './job-plan.js';

const FULL_HASH = /^[0-9a-f]{64}$/;

/**
 * Uploaded project versions on this worker's host: `<cache>/<hash>/<name>/`, fetched from MLflow's artifact
 * store on a version's first use and kept (a version never changes: its name is its files' hash, checked on
 * the way in). A run of such a version gets `<cache>/<hash>` as its CT_PROJECTS_ROOT.
 */
@Injectable()
export class ProjectCache {
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(
    @Inject(WORKER_CONFIG)
    private readonly config: Pick<WorkerConfig, 'projectCacheDir' | 'mlflowTrackingUri'>,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * The projects root for a run of `spec`: null when its project is not an uploaded version (`<name>@<hash>`,
   * as the API stores it), else the version's folder, fetched first if this worker has not got it.
   * @throws InfrastructureError when MLflow cannot be reached (the attempt is retried).
   */
  async rootFor(
    team: string,
    spec: TrainingSpec,
    say: (message: string) => void,
  ): Promise<string | Refusal | null> {
    const project = spec.model.custom?.project ?? spec.model.mlproject?.project;
    if (project === undefined) return null;
    const { name, hash } = parseProjectRef(project);
    if (hash === undefined || !FULL_HASH.test(hash)) return null;
    const root = join(this.config.projectCacheDir, hash);
    if (await isDirectory(join(root, name))) {
      this.metrics.projectFetched('hit');
      say(`project ${name}@${hash.slice(0, 12)} from the worker's cache`);
      return root;
    }
    // One fetch per folder: the same files under another name are a folder of their own, fetched apart.
    const folder = join(hash, name);
    let fetching = this.fetching.get(folder);
    if (fetching === undefined) {
      fetching = this.fetch(team, name, hash, root, say).finally(() => this.fetching.delete(folder));
      this.fetching.set(folder, fetching);
    }
    try {
      await fetching;
    } catch (error) {
      if (error instanceof ProjectMissing)
        return { refused: { reason: 'invalid_input', message: error.message } };
      throw error;
    }
    return root;
  }

  private async fetch(team: string, name: string, hash: string, root: string, say: (m: string) => void) {
    const path = projectArchivePath(team, name, hash);
    let archive: Buffer | null;
    try {
      archive = await getMlflowArtifact(this.config.mlflowTrackingUri, path);
    } catch (error) {
      const what = error instanceof MlflowUnreachableError ? '' : 'MLflow refused: ';
      throw new InfrastructureError(
        'mlflow',
        `fetching project ${name}@${hash.slice(0, 12)}: ${what}${describeError(error)}`,
      );
    }
    if (archive === null)
      throw new ProjectMissing(`project ${name}@${hash} is not in the artifact store (${path})`);
    let files: ReturnType<typeof readProjectArchive>;
    try {
      files = readProjectArchive(archive);
    } catch (error) {
      if (!(error instanceof ProjectArchiveError)) throw error;
      throw new ProjectMissing(`project ${name}@${hash}: the stored archive is unreadable: ${error.message}`);
    }
    if (files.hash !== hash)
      throw new ProjectMissing(
        `project ${name}@${hash}: the stored files hash to ${files.hash}, not to their name`,
      );
    // Unpacked beside the cache, then moved in at once: a run never sees half a project. The same files
    // may be uploaded under several names: each name is a folder of its own under the hash.
    const staging = join(this.config.projectCacheDir, `.staging-${randomBytes(6).toString('hex')}`);
    try {
      await writeProjectFiles(files.files, staging);
      await mkdir(root, { recursive: true });
      await rename(staging, join(root, name)).catch(async (error: NodeJS.ErrnoException) => {
        // Another worker process on this host put it there first: theirs is the same files.
        if (!['EEXIST', 'ENOTEMPTY'].includes(error.code ?? '')) throw error;
      });
    } catch (error) {
      throw new InfrastructureError(
        'filesystem',
        `unpacking project ${name}@${hash.slice(0, 12)}: ${describeError(error)}`,
      );
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    this.metrics.projectFetched('miss');
    say(
      `project ${name}@${hash.slice(0, 12)} downloaded into the worker's cache ` +
        `(${files.files.length} files, ${Math.round(archive.length / 1024)} kB)`,
    );
  }
}

/** The version cannot be had: a refusal of the job (`invalid_input`), not a reason to retry. */
class ProjectMissing extends Error {}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}
