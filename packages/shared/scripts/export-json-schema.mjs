// Writes the JSON Schemas of the contracts the Python pipeline reads (the training spec, the score and
// monitor task files, the event protocol and its result payloads, and the protocol's constants: steps and
// exit codes) into its package, so that both sides validate the same structure. Run after changing
// one: `pnpm --filter @ct/shared export-schema`. A test (training-spec-json-schema.spec.ts) fails while a
// committed file is stale.
import { writeFileSync } from 'node:fs';
import { JSON_SCHEMA_FILES } from '../dist/json-schema-files.js';

for (const { path, schema } of JSON_SCHEMA_FILES) {
  writeFileSync(new URL(path, import.meta.url), `${JSON.stringify(schema(), null, 2)}\n`);
  console.log(`wrote ${path}`);
}
