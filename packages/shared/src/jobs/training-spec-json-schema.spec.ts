import { readFileSync } from 'node:fs';
import { JSON_SCHEMA_FILES } from '../json-schema-files.js';
import { trainingSpecJsonSchema } from './training-spec-json-schema.js';

describe('the JSON Schemas used by the Python pipeline', () => {
  it.each(JSON_SCHEMA_FILES.map(({ path, schema }) => [path.split('/').at(-1), path, schema] as const))(
    '%s is committed up to date (run `pnpm --filter @ct/shared export-schema` after changing its contract)',
    (_name, path, schema) => {
      const committed = readFileSync(new URL(`../../scripts/${path}`, import.meta.url), 'utf8');
      expect(JSON.parse(committed)).toEqual(schema());
    },
  );
});

describe('the training spec JSON Schema used by the Python pipeline', () => {
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
        'runtime',
        'split',
        'task',
        'validation',
      ].sort(),
    );
    expect(sut.additionalProperties).toBe(false);
  });
});
