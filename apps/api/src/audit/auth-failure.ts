import type { AuditFields } from '@ct/shared/audit';
import type { Request } from 'express';

/**
 * Why a call was refused: no key, a key that is unknown or revoked, a key whose role is too weak, or a key of
 * a team whose name is no longer allowed (made before team names lost the `.`).
 */
export type AuthFailureReason = 'missing_key' | 'invalid_key' | 'insufficient_role' | 'team_name_not_allowed';

/** The request as far as an `auth.failed` event may tell of it. */
export type RefusedRequest = Pick<Request, 'method' | 'originalUrl' | 'ip' | 'headers'> & {
  socket?: { remoteAddress?: string | undefined };
};

/**
 * The fields of an `auth.failed` audit event. Never the key nor a header's value: only how the caller tried
 * (`bearer`, `basic`, `none` or `other`), what it asked for, from where, and why it was refused. The path
 * goes without its query string, which may carry anything.
 */
export function authFailureFields(
  request: RefusedRequest,
  reason: AuthFailureReason,
  extra: AuditFields = {},
): AuditFields {
  return {
    reason,
    method: authMethodOf(request.headers.authorization),
    httpMethod: request.method,
    path: request.originalUrl.split('?')[0],
    remoteAddress: request.ip ?? request.socket?.remoteAddress ?? null,
    ...extra,
  };
}

/** The scheme of an `Authorization` header, from a closed set so that nothing the caller sent is echoed. */
export function authMethodOf(header: string | undefined): 'bearer' | 'basic' | 'none' | 'other' {
  if (header === undefined || header.trim() === '') return 'none';
  const scheme = header.trim().split(/\s+/, 1)[0]?.toLowerCase();
  return scheme === 'bearer' || scheme === 'basic' ? scheme : 'other';
}
