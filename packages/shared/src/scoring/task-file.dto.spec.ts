import { readFileSync } from 'node:fs';
import { monitorTaskFileSchema, scoreTaskFileSchema } from './task-file.dto.js';
import { monitorTaskJsonSchema, scoreTaskJsonSchema } from './task-file-json-schema.js';

/** The task files the Python tests validate against the exported schemas (pipeline/tests/fixtures). */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../../../pipeline/tests/fixtures/${name}`, import.meta.url), 'utf8'),
  );
}

const SCHEMAS = { 'score-task.json': scoreTaskFileSchema, 'monitor-task.json': monitorTaskFileSchema };

describe('task files', () => {
  it.each(Object.entries(SCHEMAS))('%s, as the worker writes it, is valid and complete', (name, sut) => {
    const file = fixture(name);

    expect(sut.parse(file)).toEqual(file);
  });

  it.each([
    ['score-task.json', { kind: 'monitor' }, ['kind']],
    ['score-task.json', { model: '../../etc' }, ['model']],
    ['score-task.json', { rows: [] }, ['rows']],
    ['score-task.json', { rows: [{ x: [1] }] }, ['rows', 0, 'x']],
    ['score-task.json', { since: '2026-12-01T00:00:00' }, ['since']],
    ['score-task.json', { iris_mirror: 'yes' }, ['iris_mirror']],
    ['score-task.json', { irisMirror: true }, []],
    ['monitor-task.json', { model_version: 'v3' }, ['model_version']],
    ['monitor-task.json', { min_samples: 0 }, ['min_samples']],
    ['monitor-task.json', { window_end: null }, ['window_end']],
  ] as const)('%s with %j is refused at %j', (name, change, path) => {
    const sut = SCHEMAS[name].safeParse({ ...fixture(name), ...change });

    expect(sut.success).toBe(false);
    expect(sut.error?.issues[0]?.path).toEqual(path);
  });

  it('fills what a hand-written score task leaves out with the defaults the Python reader documents', () => {
    const { kind, spec, output } = fixture('score-task.json');

    expect(scoreTaskFileSchema.parse({ kind, spec, output })).toMatchObject({
      model: 'champion',
      source: null,
      since: null,
      until: null,
      rows: null,
      key_column: 'id',
      iris_mirror: false,
    });
  });

  it.each([
    ['score', scoreTaskJsonSchema],
    ['monitor', monitorTaskJsonSchema],
  ])('the %s schema leaves the nested spec to its own schema and refuses unknown fields', (_kind, schema) => {
    const sut = schema() as { properties: { spec: unknown }; additionalProperties: unknown };

    expect(sut.properties.spec).toEqual({
      type: 'object',
      description: expect.stringContaining('training-spec'),
    });
    expect(sut.additionalProperties).toBe(false);
  });
});
