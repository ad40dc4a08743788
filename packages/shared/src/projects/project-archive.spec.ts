import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { limits, PROJECT, refusalOf } from '../../test/project-archive-kit.js';
import {
  readProjectArchive,
  readProjectDir,
  writeProjectArchive,
  writeProjectFiles,
} from './project-archive.js';
import { type ArchiveLimits, type ProjectFile, projectHash } from './project-file.js';

function tar(args: readonly string[]): void {
  const run = spawnSync('/usr/bin/tar', args, { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
}

let root: string;
let folders = 0;

/** A new, empty folder of its own for one test. */
async function folder(): Promise<string> {
  const path = join(root, `t${++folders}`);
  await mkdir(path);
  return path;
}

async function writeTree(dir: string, files: readonly ProjectFile[]): Promise<void> {
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.data, { mode: file.executable ? 0o755 : 0o644 });
  }
}

const sorted = (files: readonly ProjectFile[]) => [...files].sort((a, b) => (a.path < b.path ? -1 : 1));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ct-project-archive-'));
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeProjectArchive and readProjectArchive', () => {
  it('round-trip a project: files sorted by path, their hash and size', () => {
    const archive = writeProjectArchive(PROJECT);

    const read = readProjectArchive(archive);

    expect(read.files).toEqual(sorted(PROJECT));
    expect(read.hash).toBe(projectHash(PROJECT));
    expect(read.unpackedBytes).toBe(PROJECT.reduce((total, file) => total + file.data.length, 0));
  });

  it('give the same bytes for the same files in any order', () => {
    expect(writeProjectArchive([...PROJECT].reverse())).toEqual(writeProjectArchive(PROJECT));
  });

  it('refuse to pack a path an archive may not hold', () => {
    const file = { path: '../evil', executable: false, data: Buffer.from('x') };
    expect(refusalOf(() => writeProjectArchive([file]))).toMatchObject({
      code: 'archive_invalid',
      message: expect.stringContaining('"../evil"'),
    });
  });
});

describe('GNU tar and the project archive', () => {
  it('extracts the same files from an archive written here', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'project.tar.gz'), writeProjectArchive(PROJECT));
    await mkdir(join(dir, 'out'));

    tar(['-xzf', join(dir, 'project.tar.gz'), '-C', join(dir, 'out')]);

    expect(await readProjectDir(join(dir, 'out'))).toEqual(sorted(PROJECT));
  });

  it.each(['gnu', 'posix', 'ustar'])(
    'writes %s archives read here with the hash of the folder',
    async (format) => {
      const dir = await folder();
      await writeTree(join(dir, 'project'), PROJECT);
      const archive = join(dir, 'project.tar.gz');

      tar(['-czf', archive, `--format=${format}`, '-C', join(dir, 'project'), '.']);
      const read = readProjectArchive(await readFile(archive));

      expect(read.files).toEqual(sorted(PROJECT));
      expect(read.hash).toBe(projectHash(await readProjectDir(join(dir, 'project'))));
    },
  );

  it('gives archives of the same files the same hash whatever their order, times and owners', async () => {
    const dir = await folder();
    const project = join(dir, 'project');
    await writeTree(project, PROJECT);
    tar(['-czf', join(dir, 'first.tar.gz'), '-C', project, '.']);
    for (const file of PROJECT) await utimes(join(project, file.path), 1_000_000, 1_000_000);
    tar(
      [
        '-czf',
        join(dir, 'second.tar.gz'),
        '--owner=4321',
        '--group=8765',
        '--numeric-owner',
        '-C',
        project,
      ].concat(['train.sh', 'src', 'deep', 'données', 'data']),
    );

    const first = await readFile(join(dir, 'first.tar.gz'));
    const second = await readFile(join(dir, 'second.tar.gz'));

    expect(second).not.toEqual(first);
    expect(readProjectArchive(second).hash).toBe(readProjectArchive(first).hash);
  });
});

describe('readProjectDir', () => {
  it('skips version control, caches and virtualenvs, even a linked .venv', async () => {
    const dir = await folder();
    await writeTree(dir, [
      ...PROJECT,
      ...[
        '.git/HEAD',
        'src/__pycache__/net.pyc',
        'node_modules/x/index.js',
        '.mypy_cache/a',
        '.pytest_cache/b',
      ].map((path) => ({ path, executable: false, data: Buffer.from('skip') })),
    ]);
    await symlink(tmpdir(), join(dir, '.venv'));

    expect(await readProjectDir(dir)).toEqual(sorted(PROJECT));
  });

  it.each([
    ['a symlink', (path: string) => symlink('/etc/passwd', path), 'is a symbolic link'],
    ['a fifo', async (path: string) => void spawnSync('mkfifo', [path]), 'is a fifo'],
  ])('refuses %s, naming it', async (_case, make, rule) => {
    const dir = await folder();
    await writeTree(dir, PROJECT);
    await make(join(dir, 'src', 'special'));

    await expect(readProjectDir(dir)).rejects.toMatchObject({
      code: 'archive_invalid',
      message: expect.stringContaining(`"src/special" ${rule}`),
    });
  });

  it.each<[string, Partial<ArchiveLimits>, RegExp]>([
    ['too many files', { maxFiles: 1 }, /^file "[ab]\.txt": the project has more than 1 files$/],
    ['too many bytes', { maxUnpackedBytes: 5 }, /^file "[ab]\.txt": the files take more than 5 bytes$/],
  ])('refuses %s', async (_case, overrides, message) => {
    const dir = await folder();
    await writeTree(dir, [
      { path: 'a.txt', executable: false, data: Buffer.from('abc') },
      { path: 'b.txt', executable: false, data: Buffer.from('def') },
    ]);

    await expect(readProjectDir(dir, limits(overrides))).rejects.toMatchObject({
      code: 'archive_too_large',
      message,
    });
  });
});

describe('writeProjectFiles', () => {
  it('writes the files with their modes into a new folder, whatever the umask', async () => {
    const dest = join(await folder(), 'unpacked');
    const umask = process.umask(0o077);
    try {
      await writeProjectFiles(readProjectArchive(writeProjectArchive(PROJECT)).files, dest);
    } finally {
      process.umask(umask);
    }

    expect(await readProjectDir(dest)).toEqual(sorted(PROJECT));
    expect((await stat(join(dest, 'train.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dest, 'src/model/net.py'))).mode & 0o777).toBe(0o644);
  });

  it('refuses a path leaving the folder, before writing anything', async () => {
    const parent = await folder();
    const files = [...PROJECT, { path: '../evil', executable: true, data: Buffer.from('rm -rf /') }];

    await expect(writeProjectFiles(files, join(parent, 'unpacked'))).rejects.toMatchObject({
      code: 'archive_invalid',
      message: expect.stringContaining('"../evil"'),
    });
    await expect(stat(join(parent, 'unpacked'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(join(parent, 'evil'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a folder that exists already', async () => {
    await expect(writeProjectFiles(PROJECT, await folder())).rejects.toMatchObject({ code: 'EEXIST' });
  });
});
