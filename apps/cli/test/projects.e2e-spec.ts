import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectVersion } from '@ct/shared';
import { projectHash, readProjectArchive, readProjectDir } from '@ct/shared/project-archive';
import { ctRunner } from './run-ct.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../pipeline/examples/projects/ridge-mlproject', import.meta.url),
);

function versionFixture(overrides: Partial<ProjectVersion> = {}): ProjectVersion {
  const hash = 'ab'.repeat(32);
  return {
    team: 'team-a',
    name: 'ridge-mlproject',
    hash,
    ref: `ridge-mlproject@${hash}`,
    sizeBytes: 900,
    unpackedBytes: 2400,
    fileCount: 2,
    entryPoints: [{ name: 'main', command: 'python train.py', parameters: {} }],
    environment: { kind: 'none', file: null },
    uploadedBy: null,
    createdAt: '2026-12-03T08:00:00.000Z',
    ...overrides,
  };
}

describe('ct project, against a fake API that holds the client to the contract', () => {
  const runner = ctRunner();
  const ct = runner.ct;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ct-cli-projects-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => expect(await runner.finish()).toEqual([]));

  it('push: packs the folder (named after it) and uploads its files as they are', async () => {
    const sut = await ct(
      { uploadProject: () => ({ status: 201, body: versionFixture() }) },
      'project',
      'push',
      EXAMPLE,
    );

    expect(sut.code).toBe(0);
    const [request] = sut.requests;
    expect(request?.params).toEqual({ name: 'ridge-mlproject' });
    const sent = readProjectArchive(request?.body as Buffer);
    expect(sent.hash).toBe(projectHash(await readProjectDir(EXAMPLE)));
    expect(sent.files.map((f) => f.path)).toEqual(['MLproject', 'train.py']);
    expect(sut.out).toContain(`uploaded: ridge-mlproject@${'ab'.repeat(32)}`);
    expect(sut.out).toContain('entry points: main');
  });

  it('push --name: another name; the same files again are "already uploaded"', async () => {
    const sut = await ct(
      { uploadProject: () => ({ status: 200, body: versionFixture({ name: 'mine' }) }) },
      ...['project', 'push', EXAMPLE, '--name', 'mine'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.params).toEqual({ name: 'mine' });
    expect(sut.out).toContain('already uploaded');
  });

  it('push refuses a folder with a symlink, or a name that is not one, sending nothing', async () => {
    const project = join(dir, 'linked');
    mkdirSync(project);
    writeFileSync(join(project, 'train.py'), 'print(1)\n');
    symlinkSync('/etc/passwd', join(project, 'secrets'));
    const linked = await ct({}, 'project', 'push', project);
    expect(linked.code).toBe(2);
    expect(linked.err).toContain('secrets');
    expect(linked.requests).toEqual([]);
    const badName = await ct({}, 'project', 'push', EXAMPLE, '--name', 'Bad Name');
    expect(badName.code).toBe(2);
    expect(badName.err).toContain('use --name');
  });

  it('list and show: the projects and their versions', async () => {
    const version = versionFixture();
    const listed = await ct(
      {
        listProjects: () => ({
          status: 200,
          body: { items: [{ name: version.name, versions: 3, latest: version }] },
        }),
      },
      'project',
      'list',
    );
    expect(listed.out).toMatch(/ridge-mlproject\s+3\s+abababababab/);
    const shown = await ct(
      { getProject: () => ({ status: 200, body: { name: version.name, versions: [version] } }) },
      ...['project', 'show', 'ridge-mlproject'],
    );
    expect(shown.out).toContain('project ridge-mlproject');
    expect(shown.out).toMatch(/abababababab.+main/);
  });
});
