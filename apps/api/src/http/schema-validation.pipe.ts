import type { FieldIssue } from '@ct/shared';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiError } from '../errors/api-error.js';
import { unstorableStrings } from './unstorable-strings.js';

type Schema = NonNullable<ArgumentMetadata['schema']>;
type Issue = NonNullable<Awaited<ReturnType<Schema['~standard']['validate']>>['issues']>[number];

/**
 * Validates (and transforms: defaults, coercion) each handler argument that declares a schema, as in
 * `@Body({ schema: submitJobSchema })`, and answers `validation_failed` naming every bad field. Every string
 * of a body, query or parameter is also checked for what Postgres cannot store (NUL, lone surrogates), with
 * or without a schema: that is the one guard in front of the database for all routes.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return value;
    const where = String(metadata.data ?? `(${metadata.type})`);
    const unstorable = unstorableStrings(value, where);
    const schema = metadata.schema;
    const result = schema ? await schema['~standard'].validate(value) : { value, issues: undefined };
    if (!result.issues && unstorable.length === 0) return result.value;
    // A field with a NUL usually breaks its pattern too: its unstorable character is the issue to name.
    const named = new Set(unstorable.map((issue) => issue.path));
    const others = (result.issues ?? [])
      .flatMap((issue) => fieldIssues(issue, where))
      .filter((issue) => !named.has(issue.path));
    throw ApiError.validation([...unstorable, ...others]);
  }
}

/** One issue per field; zod reports all unknown keys of an object in a single issue. */
export function fieldIssues(issue: Issue, where: string): FieldIssue[] {
  const path = (issue.path ?? []).map((segment) =>
    String(typeof segment === 'object' ? segment.key : segment),
  );
  const unknownKeys = (issue as { code?: string; keys?: unknown }).keys;
  if ((issue as { code?: string }).code === 'unrecognized_keys' && Array.isArray(unknownKeys))
    return unknownKeys.map((key) => ({
      path: [...path, String(key)].join('.'),
      message: 'is not a known field',
    }));
  return [{ path: path.length > 0 ? path.join('.') : where, message: issue.message }];
}
