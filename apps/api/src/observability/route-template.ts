import type { Request } from 'express';

/** The label of requests that matched no route: raw paths would make a label per scanned URL. */
const UNMATCHED_ROUTE = '(unmatched)';

/** The route a request matched, as declared (`/v1/jobs/:id`), never with the ids it carried. */
export function routeTemplateOf(request: Request): string {
  const path: unknown = request.route?.path;
  return typeof path === 'string' ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}
