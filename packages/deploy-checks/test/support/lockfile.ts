import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readRepoFile } from './compose-file.js';

type Dependencies = Record<string, string | { version: string }>;
export type Lockfile = {
  importers: Record<string, { dependencies?: Dependencies; optionalDependencies?: Dependencies }>;
  snapshots?: Record<string, { dependencies?: Dependencies; optionalDependencies?: Dependencies }>;
};

/** pnpm-lock.yaml's workspace document (pnpm 12 writes the lock of its own install first, the workspace last). */
export function readWorkspaceLockfile(): Lockfile {
  const documents = parseAllDocuments(readRepoFile('pnpm-lock.yaml'));
  const last = Array.isArray(documents) ? documents.at(-1) : undefined;
  if (!last) throw new Error('pnpm-lock.yaml has no document');
  return last.toJSON() as Lockfile;
}

/**
 * The names of the packages a production install (`pnpm deploy --prod`) of the workspace project `importer`
 * brings: its dependencies and optional dependencies, those of the workspace projects it links, and so on
 * transitively; never devDependencies, nor the peer dependencies of a linked project that it does not install.
 */
export function productionClosure(lockfile: Lockfile, importer: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (from: string, deps: Dependencies | undefined) => {
    for (const [name, entry] of Object.entries(deps ?? {})) {
      const version = typeof entry === 'string' ? entry : entry.version;
      if (version.startsWith('link:')) visitImporter(posix.join(from, version.slice('link:'.length)));
      // An alias (`'@jest/react-is-18': react-is@18.3.1`) names its snapshot itself.
      else visitSnapshot(/^\d/.test(version) ? `${name}@${version}` : version);
    }
  };
  const visitImporter = (path: string) => {
    if (seen.has(`importer:${path}`)) return;
    seen.add(`importer:${path}`);
    const project = lockfile.importers[path];
    if (!project) throw new Error(`pnpm-lock.yaml has no importer ${path}`);
    names.add(`link:${path}`);
    visit(path, project.dependencies);
    visit(path, project.optionalDependencies);
  };
  const visitSnapshot = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    names.add(key.slice(0, key.indexOf('@', 1)));
    const snapshot = lockfile.snapshots?.[key];
    if (!snapshot) throw new Error(`pnpm-lock.yaml has no snapshot ${key}`);
    visit('', snapshot.dependencies);
    visit('', snapshot.optionalDependencies);
  };
  visitImporter(importer);
  return names;
}
