// The ustar/pax reading and writing behind project-archive.ts: not exported from the package.
import { gunzipSync } from 'node:zlib';
import {
  type ArchiveLimits,
  entryPath,
  invalid,
  type ProjectFile,
  quote,
  sortedByPath,
  tooLarge,
} from './project-file.js';

const BLOCK = 512;
const REGULAR_TYPES = new Set(['0', '\0', '7']);
const ENTRY_KINDS: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a fifo',
  K: 'a GNU long link name',
  S: 'a GNU sparse file',
  V: 'a volume label',
  M: 'a multi-volume continuation',
};

interface TarHeader {
  name: string;
  type: string;
  mode: number;
  size: number;
}

// The regular files of a .tar.gz, sorted by path, and their bytes; gunzip stops where `limits` say.
export function readTar(gz: Buffer, limits: ArchiveLimits): { files: ProjectFile[]; unpackedBytes: number } {
  const tar = gunzip(gz, limits);
  const files: ProjectFile[] = [];
  let unpackedBytes = 0;
  // Set by a pax 'x' or GNU 'L' header, for the entry that follows it.
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  let offset = 0;
  while (offset < tar.length) {
    if (offset + BLOCK > tar.length) {
      throw invalid(`the archive is truncated inside a header at byte ${offset}`);
    }
    const block = tar.subarray(offset, offset + BLOCK);
    if (isZeros(block)) {
      // The end-of-archive marker; anything but padding after it would be a file that other readers see.
      if (!isZeros(tar.subarray(offset))) {
        throw invalid(`the archive has data after its end at byte ${offset}`);
      }
      break;
    }
    const header = readHeader(block, offset);
    const isMeta = header.type === 'x' || header.type === 'g' || header.type === 'L';
    const size = isMeta ? header.size : paxSize(pax, header);
    const start = offset + BLOCK;
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (offset > tar.length) throw invalid(`archive entry ${quote(header.name)} is truncated`);
    const data = tar.subarray(start, start + size);
    if (header.type === 'g') continue;
    if (header.type === 'x' || header.type === 'L') {
      if ((header.type === 'x' ? pax : longName) !== undefined) {
        throw invalid(`archive entry ${quote(header.name)}: two type '${header.type}' headers in a row`);
      }
      if (header.type === 'x') pax = parsePax(data, header.name);
      else longName = decodeUtf8(data, header.name).replace(/\0+$/, '');
      continue;
    }
    const path = entryPath(pax?.get('path') || longName || header.name, header.type === '5');
    // GNU tar's pax-format sparse files look regular; their data would be a sparse map, not the file.
    const sparse = pax !== undefined && [...pax.keys()].some((key) => key.startsWith('GNU.sparse.'));
    pax = longName = undefined;
    if (header.type === '5' && !sparse) continue;
    if (sparse || !REGULAR_TYPES.has(header.type)) {
      const kind = sparse ? 'a GNU sparse file' : (ENTRY_KINDS[header.type] ?? 'an entry of unknown type');
      const rule = 'only regular files and folders are allowed';
      throw invalid(`archive entry ${quote(path)} is ${kind} (type ${quote(header.type)}): ${rule}`);
    }
    if (files.length === limits.maxFiles) {
      throw tooLarge(`archive entry ${quote(path)}: the archive has more than ${limits.maxFiles} files`);
    }
    unpackedBytes += size;
    if (unpackedBytes > limits.maxUnpackedBytes) {
      throw tooLarge(
        `archive entry ${quote(path)}: the files unpack to more than ${limits.maxUnpackedBytes} bytes`,
      );
    }
    // A view, not a copy: the files hold the unpacked tar alive, but memory never holds it twice.
    files.push({ path, executable: (header.mode & 0o111) !== 0, data });
  }
  if (pax !== undefined || longName !== undefined) {
    throw invalid('the archive ends after a pax or long-name header, before the entry it describes');
  }
  return { files: sortedByPath(files), unpackedBytes };
}

function gunzip(gz: Buffer, limits: ArchiveLimits): Buffer {
  // Beyond the files' bytes the tar holds headers, padding and directory entries: a few blocks per file.
  const maxOutputLength = limits.maxUnpackedBytes + (limits.maxFiles * 8 + 64) * BLOCK;
  try {
    return gunzipSync(gz, { maxOutputLength });
  } catch (error) {
    // Duck-typed: zlib's errors may come from another realm (a test VM), where instanceof fails.
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(`the archive unpacks to more than ${maxOutputLength} bytes`);
    }
    throw invalid(`the archive is not valid gzip: ${String(message)}`);
  }
}

function readHeader(block: Buffer, offset: number): TarHeader {
  const rawName = cString(block, 0, 100);
  const label = `archive entry ${quote(rawName.toString('latin1'))} at byte ${offset}`;
  // The sum of the header's bytes, its own checksum field counted as spaces.
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  if (octal(block, 148, 8, label) !== sum) throw invalid(`${label} has a bad header checksum`);
  if (block.toString('latin1', 257, 262) !== 'ustar') throw invalid(`${label} is not a ustar header`);
  // Only POSIX ustar ("ustar\0") has a prefix field; GNU's "ustar " keeps other data there.
  const prefix = block[262] === 0 ? cString(block, 345, 155) : Buffer.alloc(0);
  const name = prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), rawName]) : rawName;
  return {
    name: decodeUtf8(name, name.toString('latin1')),
    type: String.fromCharCode(block[156] ?? 0),
    mode: octal(block, 100, 8, label),
    size: octal(block, 124, 12, label),
  };
}

// GNU's base-256 numbers appear only for sizes of 8 GiB and more, which no limit allows: refusing is fine.
function octal(block: Buffer, start: number, length: number, label: string): number {
  const text = cString(block, start, length).toString('latin1').trim();
  if (!/^[0-7]*$/.test(text)) throw invalid(`${label} has a malformed number field ${quote(text)}`);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function paxSize(pax: Map<string, string> | undefined, header: TarHeader): number {
  const size = pax?.get('size');
  if (!size) return header.size;
  if (!/^\d+$/.test(size)) {
    throw invalid(`archive entry ${quote(header.name)} has a malformed pax size ${quote(size)}`);
  }
  return Number(size);
}

/** The records of a pax extended header: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(data: Buffer, entry: string): Map<string, string> {
  const records = new Map<string, string>();
  for (let at = 0; at < data.length; ) {
    const space = data.indexOf(0x20, at);
    const lengthText = space === -1 ? '' : data.toString('latin1', at, space);
    const length = Number(lengthText);
    const end = at + length;
    const record = /^[1-9]\d*$/.test(lengthText) && end <= data.length && data[end - 1] === 0x0a;
    const text = record ? decodeUtf8(data.subarray(space + 1, end - 1), entry) : '';
    const equals = text.indexOf('=');
    if (equals < 1) throw invalid(`archive entry ${quote(entry)} has a malformed pax record at byte ${at}`);
    records.set(text.slice(0, equals), text.slice(equals + 1));
    at = end;
  }
  return records;
}

// A ustar archive of `files` in the order given; paths longer than 100 bytes go into a pax header.
export function writeTar(files: readonly ProjectFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const name = Buffer.from(file.path);
    if (file.data.length >= 8 ** 11) throw tooLarge(`file ${quote(file.path)} is too large for a tar entry`);
    if (name.length > 100) {
      const record = paxRecord('path', file.path);
      parts.push(tarHeader(Buffer.from('PaxHeader'), 'x', 0o644, record.length), ...padded(record));
    }
    const mode = file.executable ? 0o755 : 0o644;
    parts.push(tarHeader(utf8Prefix(name, 100), '0', mode, file.data.length), ...padded(file.data));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  // The length counts its own digits, which may add a digit to it.
  let length = bodyBytes + String(bodyBytes).length;
  length = bodyBytes + String(length).length;
  return Buffer.from(`${length}${body}`);
}

function tarHeader(name: Buffer, type: string, mode: number, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0); // mtime
  block.write(type, 156, 'latin1');
  block.write('ustar\x0000', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeOctal(block, 148, 7, sum); // six digits and a NUL; the space after them stays
  return block;
}

function writeOctal(block: Buffer, start: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, start, 'latin1');
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/** The longest start of `bytes` within `max` bytes that does not cut a UTF-8 character. */
function utf8Prefix(bytes: Buffer, max: number): Buffer {
  let end = Math.min(bytes.length, max);
  while (end < bytes.length && end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

function cString(block: Buffer, start: number, length: number): Buffer {
  const bytes = block.subarray(start, start + length);
  const nul = bytes.indexOf(0);
  return nul === -1 ? bytes : bytes.subarray(0, nul);
}

function isZeros(bytes: Buffer): boolean {
  return bytes.every((byte) => byte === 0);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Buffer, entry: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalid(`archive entry ${quote(entry)}: its path is not valid UTF-8`);
  }
}
