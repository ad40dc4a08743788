import { readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../../../..');

export type ComposeService = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string | string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: unknown[];
  volumes?: (string | { source?: string })[];
  container_name?: string;
  restart?: string;
  stop_grace_period?: string;
  command?: string | string[];
};
export type ComposeFile = { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** The compose file as YAML data, anchors and `<<` merge keys resolved, `${...}` left as written. */
export function readCompose(): ComposeFile {
  return parse(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile;
}

/** KEY=value lines of an env file; comments and blank lines skipped. */
export function readEnvFile(path: string): Record<string, string> {
  const entries = readRepoFile(path)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const eq = line.indexOf('=');
      if (eq <= 0) throw new Error(`${path}: not KEY=value: ${line}`);
      return [line.slice(0, eq), line.slice(eq + 1)] as const;
    });
  return Object.fromEntries(entries);
}

// Compose's interpolation: $$ is a literal $, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
// ${VAR?error}, ${VAR:+alt}, ${VAR+alt} and bare $VAR. Nested expressions are not used in this repository.
const EXPRESSION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, fn)]));
  return value;
}

/** Every variable the compose file interpolates (in values, as Compose does: comments do not count). */
export function interpolatedVariables(compose: unknown): Set<string> {
  const names = new Set<string>();
  mapStrings(compose, (text) => {
    for (const match of text.matchAll(EXPRESSION)) {
      const name = match[1] ?? match[4];
      if (name !== undefined) names.add(name);
    }
    return text;
  });
  return names;
}

/** The compose data with every `${...}` replaced as `docker compose` would, given these variables. */
export function interpolate<T>(compose: T, env: Readonly<Record<string, string>>): T {
  return mapStrings(compose, (text) =>
    text.replace(EXPRESSION, (whole, braced?: string, op?: string, arg = '', bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unsetOrEmpty = value === undefined || value === '';
      const unset = value === undefined;
      switch (op) {
        case ':-':
          return unsetOrEmpty ? arg : value;
        case '-':
          return unset ? arg : value;
        case ':?':
        case '?':
          if (op === ':?' ? unsetOrEmpty : unset) throw new Error(`${name}: ${arg}`);
          return value as string;
        case ':+':
          return unsetOrEmpty ? '' : arg;
        case '+':
          return unset ? '' : arg;
        default:
          return value ?? '';
      }
    }),
  ) as T;
}

/** A service's environment as the container sees it: every value a string. */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [
      key,
      value == null ? '' : String(value),
    ]),
  );
}

/** Long-running services: everything but one-shots (restart "no" and depended on to complete). */
export function longRunningServices(compose: ComposeFile): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => service.restart !== 'no')
    .map(([name]) => name);
}

/** The Dockerfile a service builds, relative to the repository root; undefined for a pulled image. */
export function dockerfileOf(service: ComposeService): string | undefined {
  if (service.build === undefined) return undefined;
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  return posix.join(build.context ?? '.', build.dockerfile ?? 'Dockerfile');
}

/** The build context of a service, relative to the repository root; undefined for a pulled image. */
export function buildContextOf(service: ComposeService): string | undefined {
  if (service.build === undefined) return undefined;
  return (typeof service.build === 'string' ? service.build : service.build.context) ?? '.';
}

/** A service by name; throws when the compose file has none, so a rename fails loudly. */
export function serviceOf(compose: ComposeFile, name: string): ComposeService {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
}
