// Writes the API's OpenAPI document (built from the route contract in @ct/shared) to apps/api/openapi.json.
// Run after changing a route or a schema: `pnpm --filter @ct/shared build && pnpm --filter @ct/api export-openapi`.
// The package script then formats it as Biome wants. A test (src/docs/openapi-document.spec.ts) fails while
// the committed file is stale.
import { writeFileSync } from 'node:fs';
import { ctOpenApiDocument } from '@ct/shared';

const target = new URL('../openapi.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(ctOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
