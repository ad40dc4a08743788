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

/**
 * One issue per field; zod reports all unknown keys of an object in a single issue. A value that fits none of
 * a union's shapes is reported by the shape it comes closest to, when one does: the branch whose issues lie
 * deepest (`{items: [{outcome: "high"}]}` is an items body with a bad outcome, not a pairs body without pairs).
 */
export function fieldIssues(issue: Issue, where: string, prefix: readonly string[] = []): FieldIssue[] {
  const path = [
    ...prefix,
    ...(issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)),
  ];
  const closest = closestBranch(issue);
  if (closest) return closest.flatMap((nested) => fieldIssues(nested, where, path));
  const unknownKeys = (issue as { code?: string; keys?: unknown }).keys;
  if ((issue as { code?: string }).code === 'unrecognized_keys' && Array.isArray(unknownKeys))
    return unknownKeys.map((key) => ({
      path: [...path, String(key)].join('.'),
      message: 'is not a known field',
    }));
  return [{ path: path.length > 0 ? path.join('.') : where, message: issue.message }];
}

/** The issues of the union branch that fits the value best, or null when none stands out (or no union). */
function closestBranch(issue: Issue): Issue[] | null {
  const branches = (issue as { code?: string; errors?: unknown }).errors;
  if ((issue as { code?: string }).code !== 'invalid_union' || !Array.isArray(branches)) return null;
  // How deep a branch's shallowest issue lies: a branch failing at its root is the wrong shape altogether.
  const depths = (branches as Issue[][]).map((issues) =>
    Math.min(...issues.map((nested) => nested.path?.length ?? 0)),
  );
  const deepest = Math.max(...depths);
  const matching = depths.filter((depth) => depth === deepest);
  return matching.length === 1 ? ((branches as Issue[][])[depths.indexOf(deepest)] ?? null) : null;
}
