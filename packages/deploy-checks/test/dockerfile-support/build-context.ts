import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One `.dockerignore` rule: a path pattern, or with `!` an exception that includes matching paths again. */
type IgnoreRule = { pattern: RegExp; include: boolean };

/**
 * Go's filepath.Match syntax as a regular expression (`*`, `?`, `[...]`, `\` escapes), plus `**` for any
 * number of directories, as Docker's pattern matcher reads `.dockerignore` lines.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) throw new Error(`unterminated [ in ${glob}`);
      source += `[${glob.slice(i + 1, end).replace(/^!/, '^')}]`;
      i = end;
    } else if (char === '\\' && i + 1 < glob.length) source += `\\${glob[++i]}`;
    else source += char.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Docker's cleaning of a pattern or path: no leading `/` or `./`, no `.` segments, no trailing `/`. */
function clean(path: string): string {
  const cleaned = posix.normalize(path).replace(/^\/+/, '').replace(/\/+$/, '');
  return cleaned === '' ? '.' : cleaned;
}

/** The rules of a `.dockerignore` text, in order. */
export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      return { pattern: globToRegExp(clean(include ? line.slice(1).trim() : line)), include };
    });
}

/** True when the rules leave `path` (relative to the context) out: the last rule matching it or a parent wins. */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const segments = clean(path).split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules)
    if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = !rule.include;
  return ignored;
}

/** A build context on disk: its directory and the ignore file BuildKit would use for a given Dockerfile. */
export type BuildContext = { dir: string; rules: IgnoreRule[]; ignoreFile: string | null };

/**
 * BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile when there is one, else `.dockerignore` at
 * the context's root.
 */
export function buildContext(dir: string, dockerfilePath: string): BuildContext {
  for (const candidate of [`${dockerfilePath}.dockerignore`, join(dir, '.dockerignore')])
    if (existsSync(candidate))
      return { dir, rules: parseDockerignore(readFileSync(candidate, 'utf8')), ignoreFile: candidate };
  return { dir, rules: [], ignoreFile: null };
}

/** The context paths a COPY source names (a path or a filepath.Match glob), before `.dockerignore`. */
export function expandSource(dir: string, source: string): string[] {
  const cleaned = clean(source);
  if (cleaned === '..' || cleaned.startsWith('../')) return [];
  if (cleaned === '.') return ['.'];
  let matches = [''];
  for (const segment of cleaned.split('/')) {
    const pattern = globToRegExp(segment);
    const literal = !/[*?[\\]/.test(segment);
    matches = matches.flatMap((parent) => {
      const parentDir = join(dir, parent);
      if (!existsSync(parentDir) || !statSync(parentDir).isDirectory()) return [];
      if (literal) return existsSync(join(parentDir, segment)) ? [posix.join(parent, segment)] : [];
      return readdirSync(parentDir)
        .filter((name) => pattern.test(name))
        .map((name) => posix.join(parent, name));
    });
  }
  return matches;
}
