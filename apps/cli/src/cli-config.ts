import { readFileSync } from 'node:fs';

/** Where the CLI finds the API and its key: flags first, then the environment, then local defaults. */
export interface CliConfig {
  apiUrl: string;
  apiKey: string | null;
  json: boolean;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

export class UsageError extends Error {}

/**
 * The environment is read here only: CT_API_URL, CT_API_KEY, or CT_API_KEY_FILE (a file holding the key,
 * such as the local stack's `.ct/admin-key`).
 */
export function cliConfig(
  flags: { 'api-url'?: string; key?: string; json?: boolean },
  env: Record<string, string | undefined>,
): CliConfig {
  const apiUrl = flags['api-url'] ?? env.CT_API_URL ?? DEFAULT_API_URL;
  try {
    const url = new URL(apiUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`the API URL "${apiUrl}" is not an http(s) URL (--api-url or CT_API_URL)`);
  }
  return { apiUrl: apiUrl.replace(/\/+$/, ''), apiKey: apiKey(flags.key, env), json: flags.json ?? false };
}

function apiKey(flag: string | undefined, env: Record<string, string | undefined>): string | null {
  const direct = flag ?? env.CT_API_KEY;
  if (direct) return direct.trim();
  const file = env.CT_API_KEY_FILE;
  if (!file) return null;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`CT_API_KEY_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
}
