import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  ProjectArchiveError,
  type ProjectFile,
  projectHash,
  readProjectArchive,
  readProjectDir,
  writeProjectArchive,
  writeProjectFiles,
} from './project-archive.js';

// Over 100 bytes, so that GNU tar needs its long-name header, pax, or ustar's prefix field to store it.
const LONG_PATH = `deep/${'a'.repeat(60)}/${'b'.repeat(60)}/train_model.py`;

const PROJECT: ProjectFile[] = [
  { path: 'train.sh', executable: true, data: Buffer.from('#!/bin/sh\npython src/model/net.py\n') },
  { path: 'src/model/net.py', executable: false, data: Buffer.from('import torch\n') },
  { path: LONG_PATH, executable: false, data: Buffer.from('print("deep")\n') },
  { path: 'data/empty.csv', executable: false, data: Buffer.alloc(0) },
  {
    path: 'data/weights.bin',
    executable: false,
    data: Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256)),
  },
  { path: 'données/été.txt', executable: false, data: Buffer.from('accents\n') },
];

/** A tar entry as the tests craft it, for archives the writer would never make. */
interface RawEntry {
  name: string;
  type?: string;
  data?: string | Buffer;
  linkname?: string;
}

function rawHeader(entry: RawEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.name, 0);
  block.write('0000644\0', 100);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write(entry.type ?? '0', 156);
  block.write(entry.linkname ?? '', 157);
  block.write('ustar\x0000', 257);
  block.fill(' ', 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0`, 148);
  return block;
}

/** A tar of `entries`, with the two zero blocks that end it unless `end` is false. */
function rawTar(entries: readonly RawEntry[], end = true): Buffer {
  const blocks = entries.flatMap((entry) => {
    const data = Buffer.from(entry.data ?? '');
    return [rawHeader(entry, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512)];
  });
  return Buffer.concat([...blocks, Buffer.alloc(end ? 1024 : 0)]);
}

/** A pax extended header entry holding `records`. */
function pax(records: Record<string, string>): RawEntry {
  const lines = Object.entries(records).map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (`${length}${body}`.length !== length) length++;
    return `${length}${body}`;
  });
  return { name: 'PaxHeader', type: 'x', data: lines.join('') };
}

function refusalOf(action: () => unknown): ProjectArchiveError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProjectArchiveError) return error;
    throw error;
  }
  throw new Error('expected a ProjectArchiveError');
}

function limits(overrides: Partial<ArchiveLimits>): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, ...overrides };
}

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

describe('readProjectArchive', () => {
  it.each<[string, RawEntry[], string]>([
    ['a parent folder', [{ name: '../evil' }], '../evil'],
    ['an absolute path', [{ name: '/etc/passwd' }], '/etc/passwd'],
    ['a path climbing out', [{ name: 'a/../../b' }], 'a/../../b'],
    ['a "." segment', [{ name: 'a/./b' }], 'a/./b'],
    ['an empty segment', [{ name: 'a//b' }], 'a//b'],
    ['a backslash', [{ name: 'a\\b' }], 'a\\\\b'],
    ['a folder climbing out', [{ name: '../up/', type: '5' }], '../up/'],
    ['a symlink', [{ name: 'link', type: '2', linkname: '/etc/passwd' }], '"link" is a symbolic link'],
    [
      'a hard link',
      [{ name: 'a.txt' }, { name: 'hard', type: '1', linkname: 'a.txt' }],
      '"hard" is a hard link',
    ],
    ['a character device', [{ name: 'null', type: '3' }], '"null" is a character device'],
    ['a fifo', [{ name: 'pipe', type: '6' }], '"pipe" is a fifo'],
    ['a GNU sparse file', [{ name: 'holes', type: 'S' }], '"holes" is a GNU sparse file'],
    [
      'a pax sparse file',
      [pax({ 'GNU.sparse.major': '1' }), { name: 'holes' }],
      '"holes" is a GNU sparse file',
    ],
    ['an unknown type', [{ name: 'odd', type: 'Z' }], '"odd" is an entry of unknown type'],
    ['a duplicate path', [{ name: 'a.txt' }, { name: 'b.txt' }, { name: 'a.txt' }], '"a.txt" appears twice'],
    ['a duplicate once ./ is stripped', [{ name: './a.txt' }, { name: 'a.txt' }], '"a.txt" appears twice'],
    ['a file that is a folder too', [{ name: 'a' }, { name: 'a/b' }], 'its folder "a" is also a file'],
    ['a pax path climbing out', [pax({ path: '../evil' }), { name: 'innocent' }], '../evil'],
    ['a pax path over 255 bytes', [pax({ path: 'p'.repeat(256) }), { name: 'short' }], 'p'.repeat(256)],
    [
      'a GNU long name climbing out',
      [{ name: '././@LongLink', type: 'L', data: '../evil\0' }, { name: 'x' }],
      '../evil',
    ],
    ['a pax header with no entry', [pax({ path: 'lost' })], 'before the entry it describes'],
  ])('refuses %s', (_case, entries, named) => {
    expect(refusalOf(() => readProjectArchive(gzipSync(rawTar(entries))))).toMatchObject({
      code: 'archive_invalid',
      message: expect.stringContaining(named),
    });
  });

  it('accepts folders, a leading ./ and a missing end-of-archive marker', () => {
    const entries = [
      { name: './', type: '5' },
      { name: './src/', type: '5' },
      { name: './src/a.py', data: 'a' },
    ];

    expect(readProjectArchive(gzipSync(rawTar(entries, false))).files).toEqual([
      { path: 'src/a.py', executable: false, data: Buffer.from('a') },
    ]);
  });

  it.each<[string, Buffer, string]>([
    ['not gzip', Buffer.from('plain text, no archive'), 'not gzip-compressed'],
    ['a cut gzip stream', writeProjectArchive(PROJECT).subarray(0, 200), 'not valid gzip'],
    ['gzip of something else', gzipSync(Buffer.alloc(512, 'x')), 'at byte 0 has a malformed number field'],
    [
      'a tar cut inside an entry',
      gzipSync(rawTar([{ name: 'big.bin', data: Buffer.alloc(2000) }]).subarray(0, 1024)),
      '"big.bin" is truncated',
    ],
    [
      'a tar cut inside a header',
      gzipSync(rawTar([{ name: 'a.txt', data: 'a' }]).subarray(0, 1100)),
      'truncated inside a header at byte 1024',
    ],
    [
      'data after the end marker',
      gzipSync(Buffer.concat([rawTar([{ name: 'a.txt' }]), rawTar([{ name: 'hidden' }])])),
      'data after its end',
    ],
  ])('refuses %s', (_case, archive, named) => {
    expect(refusalOf(() => readProjectArchive(archive))).toMatchObject({
      code: 'archive_invalid',
      message: expect.stringContaining(named),
    });
  });

  it('refuses a header whose checksum does not match, naming the entry', () => {
    const corrupt = rawTar([{ name: 'model.py', data: 'x' }]);
    corrupt[101] = '7'.charCodeAt(0);

    expect(refusalOf(() => readProjectArchive(gzipSync(corrupt)))).toMatchObject({
      code: 'archive_invalid',
      message: expect.stringContaining('"model.py" at byte 0 has a bad header checksum'),
    });
  });

  it.each<[string, RawEntry[], Partial<ArchiveLimits>, string]>([
    [
      'too many files',
      [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      { maxFiles: 2 },
      '"c": the archive has more than 2 files',
    ],
    [
      'too many bytes',
      [
        { name: 'a', data: '12345678' },
        { name: 'b', data: '12345678' },
      ],
      { maxUnpackedBytes: 10 },
      '"b": the files unpack to more than 10 bytes',
    ],
    ['a too large archive', [{ name: 'a' }], { maxArchiveBytes: 10 }, 'more than the 10 allowed'],
  ])('refuses %s', (_case, entries, overrides, named) => {
    expect(refusalOf(() => readProjectArchive(gzipSync(rawTar(entries)), limits(overrides)))).toMatchObject({
      code: 'archive_too_large',
      message: expect.stringContaining(named),
    });
  });

  it('stops a zip bomb early: 200 MiB of zeros against a 1 MiB limit', () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 1 });
    const started = performance.now();

    const refusal = refusalOf(() => readProjectArchive(bomb, limits({ maxUnpackedBytes: 1024 * 1024 })));

    expect(performance.now() - started).toBeLessThan(1000);
    expect(refusal).toMatchObject({
      code: 'archive_too_large',
      message: expect.stringContaining('unpacks to more than'),
    });
  });
});

describe('projectHash', () => {
  const files: ProjectFile[] = [
    { path: 'b.py', executable: false, data: Buffer.from('b') },
    { path: 'a.sh', executable: true, data: Buffer.from('a') },
  ];

  it('hashes each file line, sorted by path', () => {
    const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
    const lines = `a.sh\0x\0${sha256('a')}\nb.py\0-\0${sha256('b')}\n`;

    expect(projectHash(files)).toBe(sha256(lines));
    expect(projectHash([...files].reverse())).toBe(sha256(lines));
  });

  it('changes with an executable bit or a byte', () => {
    const [b, a] = files as [ProjectFile, ProjectFile];

    expect(projectHash([b, { ...a, executable: false }])).not.toBe(projectHash(files));
    expect(projectHash([b, { ...a, data: Buffer.from('A') }])).not.toBe(projectHash(files));
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
