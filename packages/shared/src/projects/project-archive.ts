import { type Dirent, constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type ArchiveLimits,
  checkPaths,
  DEFAULT_ARCHIVE_LIMITS,
  invalid,
  type ProjectFile,
  pathProblem,
  projectHash,
  quote,
  sortedByPath,
  tooLarge,
} from './project-file.js';
import { readTar, writeTar } from './tar-format.js';

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
  const { files, unpackedBytes } = readTar(gz, limits);
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
  const gz = gzipSync(writeTar(sorted));
  // zlib writes the OS it runs on into the gzip header; pin "Unix" so every platform packs the same bytes.
  gz[9] = 3;
  return gz;
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
