import type { ApiKeyRole } from '@ct/db';
import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Principal } from './principal.js';

/** The weakest role allowed to call a handler (or every handler of a controller); viewer when absent. */
export const Roles = Reflector.createDecorator<ApiKeyRole>();

export const IS_PUBLIC = 'ct:public';

/** A route anyone may call, without a key (health checks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** A request that passed the auth guard. */
export type AuthenticatedRequest = Request & { principal?: Principal };

/** The caller, as the auth guard established it. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route that the auth guard did not check');
  return principal;
});
