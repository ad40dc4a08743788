import { gzipSync } from 'node:zlib';
import { limits, PROJECT, refusalOf } from '../../test/project-archive-kit.js';
import { readProjectArchive, writeProjectArchive } from './project-archive.js';
import type { ArchiveLimits } from './project-file.js';

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
