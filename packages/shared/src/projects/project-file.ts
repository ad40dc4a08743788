import { createHash } from 'node:crypto';

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

// The path rules and helpers of tar-format.ts and project-archive.ts; the package index exports only the
// names above.

const MAX_PATH_BYTES = 255;

/** An entry's path with one leading `./` stripped (and a directory's trailing `/`), checked. */
export function entryPath(raw: string, isDirectory: boolean): string {
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
export function pathProblem(path: string): string | undefined {
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
export function checkPaths(files: readonly ProjectFile[], label: string): void {
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

export function sortedByPath(files: readonly ProjectFile[]): ProjectFile[] {
  // Byte order of the UTF-8 paths, as the hash defines it; JavaScript compares UTF-16 units, which differs.
  return [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

export function quote(text: string): string {
  return JSON.stringify(text);
}

export function invalid(message: string): ProjectArchiveError {
  return new ProjectArchiveError('archive_invalid', message);
}

export function tooLarge(message: string): ProjectArchiveError {
  return new ProjectArchiveError('archive_too_large', message);
}
