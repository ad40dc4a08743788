import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { interpolate, readCompose, readEnvFile, serviceOf } from './support/compose-file.js';

// schema/compose-spec.json is a verbatim copy of the Compose Specification's schema (see schema/README.md).
const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../schema/compose-spec.json'), 'utf8'));
// strict: false because the schema uses annotations Ajv does not know (`deprecated`); validateSchema: false
// because it names its meta-schema by an https URL that Ajv does not register (draft-07 all the same).
const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
const validate = ajv.compile(schema);

function errorsOf(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('docker-compose.yml against the Compose Specification schema', () => {
  const compose = interpolate(readCompose(), readEnvFile('.env.example'));

  it('validates once interpolated with the .env.example values', () => {
    expect(errorsOf(compose)).toEqual([]);
  });

  it('validates as written, interpolation expressions left in place', () => {
    expect(errorsOf(readCompose())).toEqual([]);
  });

  it.each([
    ['an unknown service key', (c: typeof compose) => Object.assign(serviceOf(c, 'api'), { helthcheck: {} })],
    [
      'an unknown depends_on condition',
      (c: typeof compose) =>
        Object.assign(serviceOf(c, 'api'), { depends_on: { redis: { condition: 'ready' } } }),
    ],
    ['an unknown top-level key', (c: typeof compose) => Object.assign(c, { service: {} })],
  ])('rejects a copy with %s', (_name, breakIt) => {
    const broken = structuredClone(compose);
    breakIt(broken);
    expect(errorsOf(broken)).not.toEqual([]);
  });
});
