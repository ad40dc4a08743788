import type { ApiKeyRole } from '@ct/db';
import { teamNameSchema } from '@ct/shared';
import type { AuditFields, AuditLogger } from '@ct/shared/audit';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { type AuthFailureReason, authFailureFields } from '../audit/auth-failure.js';
import { ApiError } from '../errors/api-error.js';
import { bearerToken } from './api-key-secret.js';
import { ApiKeysService } from './api-keys.service.js';
import { type AuthenticatedRequest, IS_PUBLIC, Roles } from './auth.decorators.js';
import { hasRole } from './principal.js';

/** Every route needs a valid key (unless `@Public()`), of at least the role that `@Roles()` names. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const refuse = (reason: AuthFailureReason, error: ApiError, extra: AuditFields = {}) => {
      this.audit.warning('auth.failed', authFailureFields(request, reason, extra));
      return error;
    };
    const key = bearerToken(request.headers.authorization);
    if (key === null)
      throw refuse(
        'missing_key',
        new ApiError('unauthenticated', 'send an API key in the header "Authorization: Bearer <key>"'),
      );
    const principal = await this.keys.authenticate(key);
    if (principal === null)
      throw refuse('invalid_key', new ApiError('unauthenticated', 'the API key is unknown or was revoked'));
    if (!teamNameSchema.safeParse(principal.team).success) {
      const message = `the key's team "${principal.team}" has a name that is no longer allowed (no ".": it separates team and pipeline in registered model names); an admin can issue a key for a team without "." and revoke this one`;
      throw refuse('team_name_not_allowed', new ApiError('forbidden', message), { keyId: principal.keyId });
    }
    const needed: ApiKeyRole = this.reflector.getAllAndOverride(Roles, targets) ?? 'viewer';
    if (!hasRole(principal.role, needed)) {
      const { keyId, team, role } = principal;
      const message = `this needs a ${needed} key; the key used is a ${role} key`;
      throw refuse('insufficient_role', new ApiError('forbidden', message), { keyId, team, role, needed });
    }
    request.principal = principal;
    return true;
  }
}
