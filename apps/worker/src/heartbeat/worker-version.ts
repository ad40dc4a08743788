import { readFileSync } from 'node:fs';

/** The version a worker reports: the deployment's commit (CT_CODE_VERSION) or the worker package's version. */
export function workerVersion(codeVersion: string | null): string {
  if (codeVersion !== null) return codeVersion;
  try {
    // Two levels up from src/heartbeat (tests) and from dist/heartbeat (built) alike.
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
