// Writes the training spec's JSON Schema where the Python pipeline reads it, so that both sides validate
// the same structure. Run after changing the spec: `pnpm --filter @ct/shared export-schema`.
// A test (training-spec-json-schema.spec.ts) fails while the committed file is stale.
import { writeFileSync } from 'node:fs';
import { TRAINING_SPEC_SCHEMA_PATH, trainingSpecJsonSchema } from '../dist/jobs/training-spec-json-schema.js';

writeFileSync(
  new URL(TRAINING_SPEC_SCHEMA_PATH, import.meta.url),
  `${JSON.stringify(trainingSpecJsonSchema(), null, 2)}\n`,
);
console.log(`wrote ${TRAINING_SPEC_SCHEMA_PATH}`);
