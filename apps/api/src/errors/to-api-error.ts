import { InvalidCursorError } from '@ct/db';
import { IllegalTransitionError } from '@ct/shared';
import { HttpException } from '@nestjs/common';
import { ApiError } from './api-error.js';
import { DependencyUnavailableError } from './dependency-error.js';
import { errorCodeOfStatus } from './http-status.js';
import { QuotaExceededError } from './quota-error.js';

/** What body-parser (through Express and Nest) attaches to the errors it raises. */
interface BodyParserError {
  type?: string;
  limit?: number;
}

/**
 * Turns anything thrown while serving a request into the error the client sees, or null for an unexpected
 * failure: those are answered with a generic `internal` error and logged, never shown.
 */
export function toApiError(exception: unknown): ApiError | null {
  if (exception instanceof ApiError) return exception;
  if (exception instanceof IllegalTransitionError)
    return new ApiError('illegal_transition', exception.message, { from: exception.from, to: exception.to });
  if (exception instanceof DependencyUnavailableError)
    return new ApiError('dependency_unavailable', exception.message);
  if (exception instanceof QuotaExceededError)
    return new ApiError('rate_limited', exception.message, exception.refusal);
  if (exception instanceof InvalidCursorError)
    return ApiError.validation([{ path: 'cursor', message: exception.message }]);
  if (exception instanceof HttpException) return fromHttpException(exception);
  return null;
}

function fromHttpException(exception: HttpException): ApiError | null {
  const status = exception.getStatus();
  const cause = (exception.cause ?? {}) as BodyParserError;
  switch (cause.type) {
    case 'entity.parse.failed':
      return new ApiError('malformed_json', `the body is not valid JSON: ${exception.message}`);
    case 'entity.too.large':
      return new ApiError('payload_too_large', `the body is larger than the limit of ${cause.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('malformed_json', `the body cannot be read: ${exception.message}`);
  }
  const code = errorCodeOfStatus(status);
  return code === 'internal' ? null : new ApiError(code, exception.message);
}
