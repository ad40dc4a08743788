import type { ErrorBody, ErrorCode } from '@ct/shared';
import type { AuditFields, AuditLogger } from '@ct/shared/audit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type AuthFailureReason, authFailureFields } from '../audit/auth-failure.js';
import { bearerToken } from '../auth/api-key-secret.js';
import type { ApiKeysService } from '../auth/api-keys.service.js';
import { httpStatusOf } from '../errors/http-status.js';

/**
 * Admin keys only, for Bull Board: as `Authorization: Bearer <key>` (scripts, tests) or HTTP Basic with the
 * key as password and any user name, so that a browser asks a person for it.
 */
export function boardAuth(keys: ApiKeysService, audit: AuditLogger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const refused = (reason: AuthFailureReason, extra: AuditFields = {}) =>
      audit.warning('auth.failed', authFailureFields(req, reason, extra));
    const key = bearerToken(req.headers.authorization) ?? basicPassword(req.headers.authorization);
    if (key === null) {
      refused('missing_key');
      refuse(res, 'unauthenticated', 'Bull Board needs an admin API key (as the password of HTTP Basic)');
      return;
    }
    keys.authenticate(key).then((principal) => {
      if (principal === null) {
        refused('invalid_key');
        refuse(res, 'unauthenticated', 'the API key is unknown or was revoked');
      } else if (principal.role !== 'admin') {
        const { keyId, team, role } = principal;
        refused('insufficient_role', { keyId, team, role, needed: 'admin' });
        refuse(res, 'forbidden', `Bull Board needs an admin key; the key used is a ${role} key`);
      } else next();
    }, next);
  };
}

/** The password of an HTTP Basic `Authorization` header, or null. */
export function basicPassword(header: string | undefined): string | null {
  const match = /^Basic +([A-Za-z0-9+/=]{1,2000})\s*$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return /^[\x21-\x7e]{1,512}$/.test(password) ? password : null;
}

function refuse(res: Response, code: ErrorCode, message: string): void {
  // Basic, not Bearer as on the API: a browser only prompts for credentials on a Basic challenge.
  if (code === 'unauthenticated') res.setHeader('WWW-Authenticate', 'Basic realm="ct", charset="UTF-8"');
  const body: ErrorBody = { code, message };
  res.status(httpStatusOf(code)).json(body);
}
