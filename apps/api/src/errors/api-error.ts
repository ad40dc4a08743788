import type { ErrorCode, FieldIssue } from '@ct/shared';

/**
 * A failure the client is told about: a code from the closed set in `@ct/shared`, a message for people and,
 * for some codes, details (the field issues of `validation_failed`). The HTTP status follows from the code
 * alone (`httpStatusOf`).
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static validation(issues: readonly FieldIssue[]): ApiError {
    const [first] = issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    const summary = first ? `${first.path}: ${first.message}${more}` : 'the request is not valid';
    return new ApiError('validation_failed', summary, issues);
  }

  static notFound(what: string, id: string): ApiError {
    return new ApiError('not_found', `no ${what} with id ${id}`);
  }
}
