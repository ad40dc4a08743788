import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildContext } from './dockerfile-support/build-context.js';
import {
  externalImages,
  finalUser,
  isNonRootUser,
  missingCopySources,
  runsPnpmInstall,
  uncopiedFiles,
  unpinnedImages,
} from './dockerfile-support/dockerfile-checks.js';
import { type Dockerfile, parseDockerfile } from './dockerfile-support/dockerfile-parser.js';
import { PROGRAM_SOURCES, unbackedPrograms } from './dockerfile-support/image-programs.js';
import { workspaceInstallFiles } from './dockerfile-support/workspace-manifests.js';
import { buildContextOf, dockerfileOf, readCompose, readRepoFile, repoRoot } from './support/compose-file.js';

/** Every Dockerfile under docker/, found on disk so that a new one is checked without editing this test. */
function findDockerfiles(dir = 'docker'): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return findDockerfiles(path);
    return /(^|\.)Dockerfile$/.test(entry.name) ? [path] : [];
  });
}

/** The build context of each Dockerfile that docker-compose.yml builds, by Dockerfile path. */
function contextDirs(): Record<string, string> {
  const contexts: Record<string, string> = {};
  for (const service of Object.values(readCompose().services)) {
    const dockerfile = dockerfileOf(service);
    if (dockerfile !== undefined) contexts[dockerfile] = buildContextOf(service) as string;
  }
  return contexts;
}

const dockerfiles = findDockerfiles();
const contexts = contextDirs();
const parsed: Record<string, Dockerfile> = Object.fromEntries(
  dockerfiles.map((path) => [path, parseDockerfile(readRepoFile(path))]),
);
const contextOf = (path: string) => buildContext(join(repoRoot, contexts[path] ?? '.'), join(repoRoot, path));
const of = (path: string) => parsed[path] as Dockerfile;
const installFiles = workspaceInstallFiles(repoRoot);
const nodeImages = ['docker/api.Dockerfile', 'docker/worker.Dockerfile'];

describe('Dockerfiles', () => {
  it('finds the images the compose file builds, and each is built by a service', () => {
    expect(new Set(dockerfiles)).toEqual(new Set(Object.keys(contexts)));
    expect(dockerfiles).toEqual(
      expect.arrayContaining([...nodeImages, 'docker/mlflow.Dockerfile', 'docker/iris/Dockerfile']),
    );
  });

  describe.each(dockerfiles)('%s', (path) => {
    it('copies only sources that exist in its build context and that .dockerignore keeps', () => {
      expect(missingCopySources(of(path), contextOf(path))).toEqual([]);
    });

    it('pulls only images pinned to a version', () => {
      expect(externalImages(of(path)).length).toBeGreaterThan(0);
      expect(unpinnedImages(of(path))).toEqual([]);
    });

    it('runs its final stage as a non-root user', () => {
      const user = finalUser(of(path));
      expect({ user, nonRoot: isNonRootUser(user) }).toEqual({ user, nonRoot: true });
    });

    it('copies every workspace manifest that a pnpm install reads', () => {
      expect(uncopiedFiles(of(path), contextOf(path), installFiles)).toEqual([]);
    });

    it('has the programs the table says it has (image-programs.ts)', () => {
      expect(PROGRAM_SOURCES[path]).toBeDefined();
      expect(unbackedPrograms(of(path), { ...PROGRAM_SOURCES[path] })).toEqual([]);
    });
  });

  describe.each([...nodeImages, 'docker/mlflow.Dockerfile'])('%s', (path) => {
    it('builds in one stage and runs from another', () => {
      expect(of(path).stages.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe.each(nodeImages)('%s', (path) => {
    const runs = of(path)
      .stages.flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'RUN');

    it('installs the workspace with pnpm, then keeps production dependencies only', () => {
      expect(runs.some(runsPnpmInstall)).toBe(true);
      expect(runs.some((run) => /\bpnpm\b[^&;|]*\b(deploy|install)\b[^&;|]*--prod\b/.test(run.args))).toBe(
        true,
      );
    });

    it('uses the Node and pnpm versions of the local stack (scripts/lib/common.sh, packageManager)', () => {
      const common = readRepoFile('scripts/lib/common.sh');
      const node = /^NODE_VERSION="([^"]+)"/m.exec(common)?.[1];
      const pnpm = /^PNPM_VERSION="([^"]+)"/m.exec(common)?.[1];
      const packageManager = JSON.parse(readRepoFile('package.json')).packageManager as string;
      expect(packageManager).toBe(`pnpm@${pnpm}`);
      const froms = externalImages(of(path)).filter(({ image }) => image.startsWith('node:'));
      expect(froms.length).toBeGreaterThan(0);
      for (const { image } of froms)
        expect(image).toMatch(new RegExp(`^node:${node?.replace(/\./g, '\\.')}-`));
      const args = of(path)
        .stages.flatMap((s) => s.instructions)
        .filter((i) => i.keyword === 'ARG');
      expect(args.map((a) => a.args)).toContain(`PNPM_VERSION=${pnpm}`);
    });
  });

  it('builds the worker’s Python environment with the uv of the local stack, from the lockfile', () => {
    const uv = /^UV_VERSION="([^"]+)"/m.exec(readRepoFile('scripts/lib/common.sh'))?.[1];
    const worker = of('docker/worker.Dockerfile');
    expect(externalImages(worker).map(({ image }) => image)).toContain(`ghcr.io/astral-sh/uv:${uv}`);
    const runs = worker.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN');
    expect(runs.filter((run) => /\buv sync --frozen --no-dev\b/.test(run.args)).length).toBeGreaterThan(0);
  });

  it('runs the MLflow server of the version the pipeline’s client is locked to', () => {
    const client = /\[\[package\]\]\nname = "mlflow"\nversion = "([^"]+)"/.exec(
      readRepoFile('pipeline/uv.lock'),
    )?.[1];
    const server = /^mlflow==(\S+)/m.exec(readRepoFile('docker/mlflow/requirements.txt'))?.[1];
    expect(client).toBeDefined();
    expect(server).toBe(client);
    for (const driver of ['psycopg2-binary', 'boto3'])
      expect(readRepoFile('docker/mlflow/requirements.txt')).toMatch(
        new RegExp(`^${driver}==\\S+ \\\\\\n\\s+--hash=sha256:`, 'm'),
      );
  });
});
