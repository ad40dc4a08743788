import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { ctOpenApiDocument } from '@ct/shared';

const COMMITTED = new URL('../../openapi.json', import.meta.url);
const FIX = 'pnpm --filter @ct/shared build && pnpm --filter @ct/api export-openapi';

/** The top-level entries, paths and schemas where two documents differ, to say what is stale. */
function differences(committed: Record<string, unknown>, current: Record<string, unknown>): string[] {
  const sections = (doc: Record<string, unknown>) => ({
    ...Object.fromEntries(Object.entries(doc).filter(([key]) => key !== 'paths' && key !== 'components')),
    ...Object.fromEntries(Object.entries((doc.paths ?? {}) as object).map(([k, v]) => [`paths ${k}`, v])),
    ...Object.fromEntries(
      Object.entries(((doc.components as { schemas?: object })?.schemas ?? {}) as object).map(([k, v]) => [
        `schema ${k}`,
        v,
      ]),
    ),
  });
  const a: Record<string, unknown> = sections(committed);
  const b: Record<string, unknown> = sections(current);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (key) => !isDeepStrictEqual(a[key], b[key]),
  );
}

describe('the committed OpenAPI document (apps/api/openapi.json)', () => {
  it(`is what the route contract generates (run \`${FIX}\` after changing a route or a schema)`, () => {
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as Record<string, unknown>;
    const current = ctOpenApiDocument();
    const stale = differences(committed, current);
    if (stale.length > 0 || !isDeepStrictEqual(committed, current))
      throw new Error(
        `apps/api/openapi.json is stale (differs in: ${stale.join('; ') || 'its details'}). Run: ${FIX}`,
      );
  });
});
