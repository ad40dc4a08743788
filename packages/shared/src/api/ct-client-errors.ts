import { type ErrorCode, errorBodySchema } from '../errors/error-codes.js';

/** Every error the typed client throws (except an abort the caller asked for). */
export class CtClientError extends Error {
  override name = 'CtClientError';
}

/** The API answered with its error body: a code from the closed set, a message and maybe details. */
export class CtApiError extends CtClientError {
  override name = 'CtApiError';

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown,
    /** `METHOD /path` of the route that answered. */
    readonly route: string,
  ) {
    super(message);
  }
}

/** The API could not be reached, or the connection broke before a whole answer arrived. */
export class CtNetworkError extends CtClientError {
  override name = 'CtNetworkError';

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`could not reach the ct API at ${url}: ${reasonOf(cause)}`, { cause });
  }
}

/**
 * An answer that does not follow the contract: a status the route does not declare without the error
 * body, a body that is not JSON, or (with `validateResponses`) a body its schema refuses.
 */
export class CtResponseError extends CtClientError {
  override name = 'CtResponseError';

  constructor(
    readonly status: number,
    readonly route: string,
    readonly problem: string,
    /** The start of the body, for the person reading the error. */
    readonly bodyExcerpt: string,
  ) {
    super(`${route} answered ${status}, which does not follow the API contract: ${problem}`);
  }
}

/** The error for an answer whose status the route does not declare: the API's error body if it is one. */
export function errorOfAnswer(status: number, text: string, route: string): CtApiError | CtResponseError {
  const body = errorBodySchema.safeParse(parseJsonOrUndefined(text));
  if (body.success)
    return new CtApiError(status, body.data.code, body.data.message, body.data.details, route);
  return new CtResponseError(status, route, 'the body is not the error body', excerpt(text));
}

export function excerpt(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reasonOf(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  // undici's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND) in its cause.
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
