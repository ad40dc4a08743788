import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A digest of the files under `paths` (names, sizes, modification times; `__pycache__` left out): it
 * changes when the pipeline's code or its lockfile does. A path that is gone counts as such.
 */
export async function codeFingerprint(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) await addPath(hash, path);
  return hash.digest('hex');
}

async function addPath(hash: ReturnType<typeof createHash>, path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info === null) {
    hash.update(`${path}\0gone\n`);
    return;
  }
  if (!info.isDirectory()) {
    hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
    return;
  }
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name === '__pycache__') continue;
    if (entry.isDirectory() || entry.isFile()) await addPath(hash, join(path, entry.name));
  }
}
