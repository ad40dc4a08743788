import type { RouteAuth } from '@ct/shared';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IS_PUBLIC, Roles } from '../src/auth/auth.decorators.js';

/** A route as Express serves it: `METHOD /path`. */
export function servedRoutes(app: NestExpressApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${layer.route?.path}`)
      : [],
  );
}

/** What a Nest handler declares: its route, who may call it, and the schemas its arguments are validated with. */
export interface HandlerContract {
  key: string;
  auth: RouteAuth;
  body?: unknown;
  query?: unknown;
  params: Record<string, unknown>;
}

interface RouteArg {
  data?: unknown;
  schema?: unknown;
}

/** Every handler of every controller Nest knows, read from its decorators' metadata. */
export function handlerContracts(app: NestExpressApplication): HandlerContract[] {
  const reflector = app.get(Reflector);
  const controllers = [...app.get(ModulesContainer).values()].flatMap((module) =>
    [...module.controllers.values()].map((wrapper) => wrapper.metatype as new (...args: never[]) => object),
  );
  return controllers.flatMap((controller) => {
    const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    return Object.getOwnPropertyNames(controller.prototype).flatMap((name) => {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined)
        return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const path = `/${[prefix, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')]
        .map((part) => part.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/')}`;
      const targets = [handler, controller];
      const auth: RouteAuth = reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)
        ? 'public'
        : (reflector.getAllAndOverride(Roles, targets) ?? 'viewer');
      const args = Object.entries(
        (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, RouteArg>,
      );
      const ofType = (type: RouteParamtypes) =>
        args.filter(([key]) => key.split(':')[0] === String(type)).map(([, arg]) => arg);
      const params: Record<string, unknown> = {};
      for (const arg of ofType(RouteParamtypes.PARAM)) params[String(arg.data)] = arg.schema;
      return [
        {
          key: `${method} ${path}`,
          auth,
          body: ofType(RouteParamtypes.BODY)[0]?.schema,
          query: ofType(RouteParamtypes.QUERY)[0]?.schema,
          params,
        },
      ];
    });
  });
}
