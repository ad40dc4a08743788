import type { RouteContract } from '@ct/shared';
import { applyDecorators, HttpCode, RequestMapping, RequestMethod } from '@nestjs/common';
import { Public, Roles } from '../auth/auth.decorators.js';

/**
 * Serves a handler as its entry of the route contract (`API_ROUTES` in `@ct/shared`) says: the method and full
 * path, who may call it, and its status when the contract names one success status only. A handler whose
 * route answers with one of several statuses sets it itself. The handler's arguments still name their schemas
 * (`@Body({ schema })`); a test checks that they are the contract's. The path is the contract's in full, so
 * controllers are `@Controller()` without a prefix.
 */
export function ApiRoute(route: RouteContract): MethodDecorator {
  const statuses = Object.keys(route.responses).map(Number);
  return applyDecorators(
    RequestMapping({ method: RequestMethod[route.method], path: route.path }),
    route.auth === 'public' ? Public() : Roles(route.auth),
    ...(statuses.length === 1 ? [HttpCode(statuses[0] as number)] : []),
  );
}
