import type { FieldIssue } from '@ct/shared';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ApiError } from '../errors/api-error.js';

type Schema = NonNullable<ArgumentMetadata['schema']>;
type Issue = NonNullable<Awaited<ReturnType<Schema['~standard']['validate']>>['issues']>[number];

/**
 * Validates (and transforms: defaults, coercion) each handler argument that declares a schema, as in
 * `@Body({ schema: submitJobSchema })`, and answers `validation_failed` naming every bad field.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const schema = metadata.schema;
    if (!schema || metadata.type === 'custom') return value;
    const result = await schema['~standard'].validate(value);
    if (!result.issues) return result.value;
    const where = metadata.data ?? `(${metadata.type})`;
    throw ApiError.validation(result.issues.flatMap((issue) => fieldIssues(issue, String(where))));
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
