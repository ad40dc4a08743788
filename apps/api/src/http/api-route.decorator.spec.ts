import { API_ROUTES, type RouteContract } from '@ct/shared';
import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC, Roles } from '../auth/auth.decorators.js';
import { ApiRoute } from './api-route.decorator.js';

/** What `@ApiRoute(route)` declares on a handler, read back as Nest and the auth guard read it. */
function declared(route: RouteContract) {
  class Controller {
    handler(): void {}
  }
  const descriptor = Object.getOwnPropertyDescriptor(Controller.prototype, 'handler') as PropertyDescriptor;
  ApiRoute(route)(Controller.prototype, 'handler', descriptor);
  const handler = descriptor.value as () => void;
  return {
    method: RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod],
    path: Reflect.getMetadata(PATH_METADATA, handler) as string,
    public: Reflect.getMetadata(IS_PUBLIC, handler) ?? false,
    role: new Reflector().get(Roles, handler),
    status: Reflect.getMetadata(HTTP_CODE_METADATA, handler),
  };
}

describe('ApiRoute', () => {
  it.each([
    ['a route with one success status', API_ROUTES.retryJob, 'POST', '/v1/jobs/:id/retry', 'submitter', 202],
    ['a route without a body', API_ROUTES.deletePipeline, 'DELETE', '/v1/pipelines/:id', 'submitter', 204],
    ["a viewer's route", API_ROUTES.getJob, 'GET', '/v1/jobs/:id', 'viewer', 200],
    ["an admin's route", API_ROUTES.pauseQueue, 'POST', '/v1/queues/:name/pause', 'admin', 200],
    [
      'a route with several success statuses (its handler sets one)',
      API_ROUTES.cancelJob,
      'POST',
      '/v1/jobs/:id/cancel',
      'submitter',
      undefined,
    ],
  ])('declares %s as its contract says', (_case, route, method, path, role, status) => {
    expect(declared(route)).toEqual({ method, path, public: false, role, status });
  });

  it('lets anyone call a public route, with no role', () => {
    expect(declared(API_ROUTES.ready)).toEqual({
      method: 'GET',
      path: '/health/ready',
      public: true,
      role: undefined,
      status: undefined,
    });
  });
});
