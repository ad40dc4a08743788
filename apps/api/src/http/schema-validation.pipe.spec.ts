import { groundTruthSchema, submitJobSchema } from '@ct/shared';
import type { ArgumentMetadata } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

const sut = new SchemaValidationPipe();

async function issuesOf(value: unknown, metadata: ArgumentMetadata) {
  try {
    await sut.transform(value, metadata);
  } catch (error) {
    if (error instanceof ApiError) return { message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected validation to fail');
}

describe('SchemaValidationPipe', () => {
  const body = (schema: z.ZodType): ArgumentMetadata => ({ type: 'body', schema });

  it('returns the parsed value, with defaults applied', async () => {
    const schema = z.strictObject({ limit: z.coerce.number().default(50) });
    expect(await sut.transform({}, { type: 'query', schema })).toEqual({ limit: 50 });
  });

  it('passes values through when no schema is declared, and never checks custom decorators', async () => {
    expect(await sut.transform('x', { type: 'param', data: 'id' })).toBe('x');
    expect(await sut.transform('x', { type: 'custom', schema: z.number() })).toBe('x');
  });

  it('names every bad field by its path, one issue per unknown key', async () => {
    const sut = await issuesOf(
      { spec: { pipeline: 'Bad Name', task: 'regression', extra: 1 }, color: 'blue', size: 2 },
      body(submitJobSchema),
    );
    expect(sut.details).toEqual(
      expect.arrayContaining([
        { path: 'color', message: 'is not a known field' },
        { path: 'size', message: 'is not a known field' },
        { path: 'spec.extra', message: 'is not a known field' },
        { path: 'spec.pipeline', message: expect.stringContaining('1-100 characters') },
        { path: 'spec.data', message: expect.any(String) },
      ]),
    );
    expect(sut.message).toMatch(/^[\w.]+: .+ \(and \d+ more\)$/);
  });

  it.each<[string, unknown, { path: string; message: unknown }[]]>([
    [
      'a bad field of the shape it has',
      { items: [{ rowKey: 'k', outcome: 'high' }] },
      [{ path: 'items.0.outcome', message: expect.stringContaining('expected number') }],
    ],
    [
      'a missing field of the other shape',
      { pairs: [{ rowKey: 'k', outcome: 1 }] },
      [{ path: 'pairs.0.prediction', message: expect.stringContaining('expected number') }],
    ],
    ['no shape at all', {}, [{ path: '(body)', message: 'Invalid input' }]],
  ])('reports a union by the branch the value comes closest to: %s', async (_case, value, details) => {
    expect((await issuesOf(value, body(groundTruthSchema))).details).toEqual(details);
  });

  it('names the parameter, or the part of the request, when the value itself is wrong', async () => {
    expect((await issuesOf('nope', { type: 'param', data: 'id', schema: z.uuid() })).details).toEqual([
      { path: 'id', message: expect.any(String) },
    ]);
    expect((await issuesOf(undefined, body(z.object({})))).details).toEqual([
      { path: '(body)', message: expect.any(String) },
    ]);
  });

  it('refuses strings Postgres cannot store, naming them once, with or without a schema', async () => {
    const schema = z.strictObject({ pipeline: z.string().regex(/^[a-z]+$/), limit: z.number() });
    const sut = await issuesOf({ pipeline: 'a\u0000b', limit: 'x' }, { type: 'query', schema });
    expect(sut.details).toEqual([
      { path: 'pipeline', message: expect.stringContaining('NUL') },
      { path: 'limit', message: expect.any(String) },
    ]);
    expect((await issuesOf('\ud800', { type: 'param', data: 'asset' })).details).toEqual([
      { path: 'asset', message: expect.stringContaining('surrogate') },
    ]);
  });
});
