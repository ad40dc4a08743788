import { PROJECT_ARCHIVE_TYPES } from '@ct/shared';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error.js';

/**
 * A request that carries a body must send JSON (or, to upload a project, its archive); anything else would
 * reach validation as "no body".
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (hasBody && !isJson(req.headers['content-type']) && !isArchive(req.headers['content-type'])) {
    next(new ApiError('malformed_json', 'the body must be JSON, sent with Content-Type: application/json'));
    return;
  }
  next();
}

export function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function isArchive(contentType: string | undefined): boolean {
  return PROJECT_ARCHIVE_TYPES.includes((contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '');
}
