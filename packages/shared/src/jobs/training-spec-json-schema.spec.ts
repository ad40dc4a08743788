import { readFileSync } from 'node:fs';
import { TRAINING_SPEC_SCHEMA_PATH, trainingSpecJsonSchema } from './training-spec-json-schema.js';

describe('the training spec JSON Schema used by the Python pipeline', () => {
  it('is committed up to date (run `pnpm --filter @ct/shared export-schema` after changing the spec)', () => {
    const committed = readFileSync(
      new URL(`../../scripts/${TRAINING_SPEC_SCHEMA_PATH}`, import.meta.url),
      'utf8',
    );
    expect(JSON.parse(committed)).toEqual(trainingSpecJsonSchema());
  });

  it('describes every top-level section and refuses unknown fields', () => {
    const sut = trainingSpecJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: unknown;
    };
    expect(Object.keys(sut.properties).sort()).toEqual(
      [
        'data',
        'metrics',
        'model',
        'pipeline',
        'preparation',
        'promotion',
        'split',
        'task',
        'validation',
      ].sort(),
    );
    expect(sut.additionalProperties).toBe(false);
  });
});
