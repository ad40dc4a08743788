import { createHash } from 'node:crypto';
import { type Dirent, constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/** One regular file of a project: a relative POSIX path, whether it is executable, its bytes. */
export interface ProjectFile {
  path: string;
  executable: boolean;
  data: Buffer;
}

/** How much a project archive may hold; uploads, unpacking workers and the CLI's packing share these. */
export interface ArchiveLimits {
  /** The compressed archive's size. */
  maxArchiveBytes: number;
  /** All files' bytes once unpacked (also bounds gunzip's output: a zip bomb stops there). */
  maxUnpackedBytes: number;
  maxFiles: number;
}

const MiB = 1024 * 1024;

/** 20 MiB compressed, 100 MiB unpacked, 2000 files. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxArchiveBytes: 20 * MiB,
  maxUnpackedBytes: 100 * MiB,
  maxFiles: 2000,
});

/** `archive_invalid`: the archive or directory breaks a rule; `archive_too_large`: it exceeds a limit. */
export type ProjectArchiveErrorCode = 'archive_invalid' | 'archive_too_large';

/** Why an archive (or a folder to pack) is refused: a machine-readable code, a message naming the entry. */
export class ProjectArchiveError extends Error {
  constructor(
    readonly code: ProjectArchiveErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProjectArchiveError';
  }
}

/**
 * Reads a .tar.gz strictly: returns its regular files sorted by path, and their content hash.
 * Directory entries are accepted and ignored; links, devices and other special entries are refused, as are
 * paths that could leave the folder the project is unpacked into.
 * @throws ProjectArchiveError naming the offending entry and the rule it breaks.
 */
export function readProjectArchive(
  gz: Buffer,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): { files: ProjectFile[]; hash: string; unpackedBytes: number } {
  if (gz.length > limits.maxArchiveBytes) {
    throw tooLarge(`the archive is ${gz.length} bytes, more than the ${limits.maxArchiveBytes} allowed`);
  }
  if (gz[0] !== 0x1f || gz[1] !== 0x8b) throw invalid('the archive is not gzip-compressed (a .tar.gz)');
  const { files, unpackedBytes } = readTarEntries(gunzip(gz, limits), limits);
  checkPaths(files, 'archive entry');
  return { files, hash: projectHash(files), unpackedBytes };
}

/**
 * A deterministic .tar.gz of `files` (sorted by path, mtime 0, uid/gid 0, mode 0755/0644): the same files
 * give the same bytes. Paths longer than 100 bytes go into a pax header.
 * @throws ProjectArchiveError `archive_invalid` naming a path that {@link readProjectArchive} would refuse.
 */
export function writeProjectArchive(files: readonly ProjectFile[]): Buffer {
  const sorted = sortedByPath(files);
  checkPaths(sorted, 'file');
  const parts: Buffer[] = [];
  for (const file of sorted) {
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
  const gz = gzipSync(Buffer.concat(parts));
  // zlib writes the OS it runs on into the gzip header; pin "Unix" so every platform packs the same bytes.
  gz[9] = 3;
  return gz;
}

/**
 * The version id of a project: sha256 (hex, 64 chars) of the files' paths, executable bits and contents,
 * independent of archive order, timestamps or owners. It hashes, for each file sorted by path (byte order),
 * the line `${path}\0${executable ? 'x' : '-'}\0${sha256(data) hex}\n`.
 */
export function projectHash(files: readonly ProjectFile[]): string {
  const hash = createHash('sha256');
  // A path cannot hold NUL, so the NUL after it ends it unambiguously, even if it holds a newline.
  for (const file of sortedByPath(files)) {
    const content = createHash('sha256').update(file.data).digest('hex');
    hash.update(`${file.path}\0${file.executable ? 'x' : '-'}\0${content}\n`);
  }
  return hash.digest('hex');
}

// Version control, caches and virtualenvs, never part of a project. Skipped whatever they are, so that a
// `.venv` linking to a virtualenv elsewhere does not make packing fail.
const SKIPPED = new Set(['.git', '__pycache__', '.venv', 'node_modules', '.mypy_cache', '.pytest_cache']);

/**
 * The regular files under `dir`, for packing, sorted by path: skips the folders `.git`, `__pycache__`,
 * `.venv`, `node_modules`, `.mypy_cache` and `.pytest_cache` at any depth.
 * @throws ProjectArchiveError `archive_invalid` naming a symlink or other non-regular file, or a path an
 *   archive may not hold; `archive_too_large` past `limits.maxFiles` or `limits.maxUnpackedBytes`.
 */
export async function readProjectDir(
  dir: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ProjectFile[]> {
  const files: ProjectFile[] = [];
  let unpackedBytes = 0;
  const visit = async (folder: string): Promise<void> => {
    for (const entry of await readdir(join(dir, folder), { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue;
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        await visit(path);
        continue;
      }
      if (!entry.isFile()) {
        throw invalid(`${quote(path)} is a ${specialKind(entry)}: a project holds only regular files`);
      }
      const problem = pathProblem(path);
      if (problem) throw invalid(`file ${quote(path)}: ${problem}`);
      if (files.length === limits.maxFiles) {
        throw tooLarge(`file ${quote(path)}: the project has more than ${limits.maxFiles} files`);
      }
      const budget = { bytes: limits.maxUnpackedBytes - unpackedBytes, limit: limits.maxUnpackedBytes };
      const file = await readRegularFile(join(dir, path), path, budget);
      unpackedBytes += file.data.length;
      files.push(file);
    }
  };
  await visit('');
  return sortedByPath(files);
}

/**
 * Writes `files` under `dest` (created; must not exist yet), each path checked again to stay inside `dest`.
 * Files get mode 0755 or 0644; nothing is written through a symlink. When a write fails, `dest` is removed
 * again, so that a half-written project is never taken for a whole one.
 * @throws ProjectArchiveError `archive_invalid` naming a path that could leave `dest`.
 */
export async function writeProjectFiles(files: readonly ProjectFile[], dest: string): Promise<void> {
  checkPaths(files, 'file');
  const root = resolve(dest);
  await mkdir(dirname(root), { recursive: true });
  await mkdir(root);
  try {
    for (const file of files) {
      const target = resolve(root, ...file.path.split('/'));
      const inside = relative(root, target);
      if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
        throw invalid(`file ${quote(file.path)}: the path leads outside ${quote(dest)}`);
      }
      await mkdir(dirname(target), { recursive: true });
      const mode = file.executable ? 0o755 : 0o644;
      // 'wx' creates the file exclusively: it never opens (nor follows) anything already there.
      const handle = await open(target, 'wx', mode);
      try {
        await handle.chmod(mode); // the umask must not change the mode the archive asked for
        await handle.writeFile(file.data);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

const BLOCK = 512;
const MAX_PATH_BYTES = 255;
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

function readTarEntries(tar: Buffer, limits: ArchiveLimits): { files: ProjectFile[]; unpackedBytes: number } {
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

/** An entry's path with one leading `./` stripped (and a directory's trailing `/`), checked. */
function entryPath(raw: string, isDirectory: boolean): string {
  let path = raw.startsWith('./') ? raw.slice(2) : raw;
  if (isDirectory) {
    if (path.endsWith('/')) path = path.slice(0, -1);
    if (path === '' || path === '.') return '.'; // the archive's root folder, as `tar -C dir .` writes it
  }
  const problem = pathProblem(path);
  if (problem) throw invalid(`archive entry ${quote(raw)}: ${problem}`);
  return path;
}

/** Why `path` cannot name a file inside a project, or undefined when it can. */
function pathProblem(path: string): string | undefined {
  if (path === '') return 'the path is empty';
  if (path.includes('\0')) return 'the path contains NUL';
  if (path.includes('\\')) return 'the path contains a backslash';
  if (path.startsWith('/')) return 'the path is absolute';
  if (Buffer.from(path).toString() !== path) return 'the path is not valid Unicode';
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `the path is longer than ${MAX_PATH_BYTES} bytes`;
  const segments = path.split('/');
  if (segments.includes('')) return 'the path has an empty segment';
  if (segments.includes('.') || segments.includes('..')) return 'the path has a "." or ".." segment';
  return undefined;
}

/** Checks every path, that none appears twice, and that no file is also another file's folder. */
function checkPaths(files: readonly ProjectFile[], label: string): void {
  const seen = new Set<string>();
  for (const { path } of files) {
    const problem = pathProblem(path);
    if (problem) throw invalid(`${label} ${quote(path)}: ${problem}`);
    if (seen.has(path)) throw invalid(`${label} ${quote(path)} appears twice`);
    seen.add(path);
  }
  for (const { path } of files) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const folder = path.slice(0, slash);
      if (seen.has(folder)) {
        throw invalid(`${label} ${quote(path)}: its folder ${quote(folder)} is also a file`);
      }
    }
  }
}

async function readRegularFile(
  absolute: string,
  path: string,
  budget: { bytes: number; limit: number },
): Promise<ProjectFile> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a fifo since readdir fails or is seen below.
    handle = await open(absolute, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ELOOP') throw error;
    throw invalid(`${quote(path)} is a symbolic link: a project holds only regular files`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw invalid(`${quote(path)} is not a regular file: a project holds only regular files`);
    }
    // Checked before reading, so that one huge file is never loaded; and after, in case it grew meanwhile.
    const data = stats.size > budget.bytes ? undefined : await handle.readFile();
    if (data === undefined || data.length > budget.bytes) {
      throw tooLarge(`file ${quote(path)}: the files take more than ${budget.limit} bytes`);
    }
    return { path, executable: (stats.mode & 0o111) !== 0, data };
  } finally {
    await handle.close();
  }
}

function specialKind(entry: Dirent): string {
  if (entry.isSymbolicLink()) return 'symbolic link';
  if (entry.isFIFO()) return 'fifo';
  if (entry.isSocket()) return 'socket';
  if (entry.isCharacterDevice()) return 'character device';
  if (entry.isBlockDevice()) return 'block device';
  return 'special file';
}

function sortedByPath(files: readonly ProjectFile[]): ProjectFile[] {
  // Byte order of the UTF-8 paths, as the hash defines it; JavaScript compares UTF-16 units, which differs.
  return [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
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

function quote(text: string): string {
  return JSON.stringify(text);
}

function invalid(message: string): ProjectArchiveError {
  return new ProjectArchiveError('archive_invalid', message);
}

function tooLarge(message: string): ProjectArchiveError {
  return new ProjectArchiveError('archive_too_large', message);
}
