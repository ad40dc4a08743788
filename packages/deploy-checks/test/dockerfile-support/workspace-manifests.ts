import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expandSource, globToRegExp } from './build-context.js';

/**
 * The files a frozen `pnpm install` of the whole workspace reads: the root manifest, the lockfile, the
 * workspace file, and the package.json of every project that pnpm-workspace.yaml's globs select. Found on disk,
 * so a new workspace package joins the list without anyone editing it.
 */
export function workspaceInstallFiles(repoRoot: string): string[] {
  const workspace = parse(readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')) as {
    packages?: string[];
  };
  const globs = workspace.packages ?? [];
  const excluded = globs.filter((glob) => glob.startsWith('!')).map((glob) => globToRegExp(glob.slice(1)));
  const projects = globs
    .filter((glob) => !glob.startsWith('!'))
    .flatMap((glob) => expandSource(repoRoot, glob))
    .filter((dir) => !excluded.some((pattern) => pattern.test(dir)))
    .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')));
  return [
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    ...[...new Set(projects)].sort().map((dir) => `${dir}/package.json`),
  ];
}
