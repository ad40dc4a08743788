// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile ${VAR} syntax, on purpose
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BuildContext, buildContext, isIgnored, parseDockerignore } from './build-context.js';
import {
  finalUser,
  isNonRootUser,
  isPinnedImage,
  missingCopySources,
  uncopiedFiles,
  unpinnedImages,
} from './dockerfile-checks.js';
import { parseDockerfile } from './dockerfile-parser.js';
import { unbackedPrograms } from './image-programs.js';
import { workspaceInstallFiles } from './workspace-manifests.js';

/** A throwaway build context: a small pnpm workspace, with a .dockerignore. */
function makeContext(files: Record<string, string>): BuildContext {
  const dir = mkdtempSync(join(tmpdir(), 'ct-dockerfile-checks-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  contexts.push(dir);
  return buildContext(dir, join(dir, 'Dockerfile'));
}
const contexts: string[] = [];
afterAll(() => {
  for (const dir of contexts) rmSync(dir, { recursive: true, force: true });
});

const workspace = {
  'package.json': '{}',
  'pnpm-lock.yaml': '',
  'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n  - "!packages/ignored"\n',
  'apps/api/package.json': '{}',
  'apps/api/src/main.ts': '',
  'packages/shared/package.json': '{}',
  'packages/ignored/package.json': '{}',
  'packages/no-manifest/README.md': '',
  'secrets/key.pem': '',
  '.dockerignore': 'secrets\n**/node_modules\n*.md\n!README.md\n',
};

describe('isPinnedImage', () => {
  it.each([
    ['node:24.21.0-bookworm-slim', true],
    ['ghcr.io/astral-sh/uv:0.13.8', true],
    ['localhost:5000/ct/api:1.2', true],
    ['node@sha256:0123abcd', true],
    ['node', false],
    ['node:latest', false],
    ['node:lts-slim', false],
    ['localhost:5000/ct/api', false],
  ])('%s: %s', (image, pinned) => {
    expect(isPinnedImage(image)).toBe(pinned);
  });
});

describe('unpinnedImages', () => {
  it('reports unpinned FROM and COPY --from images, not stage references', () => {
    const sut = parseDockerfile(
      'FROM node:24.21.0 AS build\nFROM node AS runtime\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nCOPY --from=ghcr.io/astral-sh/uv:latest /uv /uv\nFROM runtime',
    );
    expect(unpinnedImages(sut)).toEqual([
      'line 2: node is not pinned to a version',
      'line 5: ghcr.io/astral-sh/uv:latest is not pinned to a version',
    ]);
  });
});

describe('finalUser', () => {
  it.each([
    ['FROM a:1\nUSER 1000:1000', '1000:1000', true],
    ['FROM a:1 AS base\nUSER node\nFROM base', 'node', true],
    ['FROM a:1 AS build\nUSER node\nFROM a:1', null, false],
    ['FROM a:1\nUSER node\nUSER root', 'root', false],
    ['FROM a:1\nUSER 0:1000', '0:1000', false],
  ])('%j runs as %s (non-root: %s)', (text, user, nonRoot) => {
    const sut = finalUser(parseDockerfile(text));
    expect(sut).toBe(user);
    expect(isNonRootUser(sut)).toBe(nonRoot);
  });
});

describe('.dockerignore', () => {
  const rules = parseDockerignore('# comment\n/secrets\n**/node_modules\n*.md\n!README.md\ndist/**\n');
  it.each([
    ['secrets/key.pem', true],
    ['node_modules/x/index.js', true],
    ['apps/api/node_modules/x', true],
    ['CHANGELOG.md', true],
    ['README.md', false],
    ['apps/README.md', false],
    ['dist/a/b.js', true],
    ['apps/api/src/main.ts', false],
  ])('%s ignored: %s', (path, ignored) => {
    expect(isIgnored(rules, path)).toBe(ignored);
  });
});

describe('missingCopySources', () => {
  it('accepts existing files, directories, globs and the whole context', () => {
    const context = makeContext(workspace);
    const sut = parseDockerfile(
      'FROM a:1\nCOPY . .\nCOPY apps/ /x/\nCOPY apps/*/package.json package.json /y/\nADD https://example.com/f /f',
    );
    expect(missingCopySources(sut, context)).toEqual([]);
  });

  it('reports a missing source, a glob matching nothing, an escape from the context and an ignored source', () => {
    const context = makeContext(workspace);
    const sut = parseDockerfile(
      'FROM a:1 AS build\nCOPY missing.txt /x\nCOPY apps/*/nothing.json /y/\nCOPY ../outside /z\nCOPY secrets/key.pem /k\nFROM a:1\nCOPY --from=build /x /x',
    );
    expect(missingCopySources(sut, context)).toEqual([
      'line 2: COPY missing.txt does not exist in the build context',
      'line 3: COPY apps/*/nothing.json does not exist in the build context',
      'line 4: COPY ../outside does not exist in the build context',
      `line 5: COPY secrets/key.pem is excluded by ${context.ignoreFile}`,
    ]);
  });
});

describe('uncopiedFiles (workspace manifests before pnpm install)', () => {
  it('finds every workspace project with a manifest, less the excluded ones', () => {
    const context = makeContext(workspace);
    expect(workspaceInstallFiles(context.dir)).toEqual([
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'apps/api/package.json',
      'packages/shared/package.json',
    ]);
  });

  it.each([
    ['the whole context', 'WORKDIR /repo\nCOPY . .'],
    [
      'each manifest to its own path',
      'WORKDIR /repo\nCOPY package.json pnpm-*.yaml ./\nCOPY apps/api/package.json apps/api/\nCOPY packages/shared/package.json ./packages/shared/package.json',
    ],
    [
      'manifests with --parents',
      'WORKDIR /repo\nCOPY --parents package.json pnpm-lock.yaml pnpm-workspace.yaml apps/*/package.json packages/*/package.json ./',
    ],
    ['a parent stage copying them', 'WORKDIR /repo\nCOPY . .\nFROM base AS build'],
  ])('accepts %s', (_case, body) => {
    const context = makeContext(workspace);
    const sut = parseDockerfile(`FROM node:24.21.0 AS base\n${body}\nRUN pnpm install --frozen-lockfile`);
    expect(uncopiedFiles(sut, context, workspaceInstallFiles(context.dir))).toEqual([]);
  });

  it('reports a manifest that is not copied, copied elsewhere, or copied after the install', () => {
    const context = makeContext(workspace);
    const sut = parseDockerfile(
      'FROM node:24.21.0\nWORKDIR /repo\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nCOPY apps/api/package.json ./\nRUN pnpm --filter @ct/api install --frozen-lockfile\nCOPY packages/shared/package.json packages/shared/',
    );
    expect(uncopiedFiles(sut, context, workspaceInstallFiles(context.dir))).toEqual([
      'line 5: pnpm install runs without apps/api/package.json at /repo/apps/api/package.json',
      'line 5: pnpm install runs without packages/shared/package.json at /repo/packages/shared/package.json',
    ]);
  });
});

describe('unbackedPrograms', () => {
  const dockerfile = parseDockerfile(
    'FROM node:24.21.0 AS base\nRUN apt-get update && apt-get install -y --no-install-recommends tini\nFROM base AS py\nFROM base\nCOPY --from=py /opt/venv /opt/venv\nENV PATH="/opt/venv/bin:${PATH}"',
  );

  it('accepts programs the base image, apt-get and a copied environment on PATH provide', () => {
    expect(
      unbackedPrograms(dockerfile, {
        node: { base: 'node' },
        tini: { apt: 'tini' },
        python: { copiedBin: '/opt/venv' },
      }),
    ).toEqual([]);
  });

  it('reports claims the Dockerfile does not back', () => {
    expect(
      unbackedPrograms(dockerfile, {
        python: { base: 'python' },
        curl: { apt: 'curl' },
        mlflow: { copiedBin: '/opt/mlflow' },
      }),
    ).toEqual([
      'python: the final stage starts from node, not python',
      'curl: no apt-get install of curl in the final stage',
      'mlflow: /opt/mlflow is not copied in',
      'mlflow: /opt/mlflow/bin is not on PATH',
    ]);
  });
});
