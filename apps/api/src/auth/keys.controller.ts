import {
  API_ROUTES,
  type ApiKey,
  apiKeyIdSchema,
  type CreateApiKey,
  type CreatedApiKey,
  createApiKeySchema,
} from '@ct/shared';
import { Body, Controller, Param } from '@nestjs/common';
import { ApiRoute } from '../http/api-route.decorator.js';
import { ApiKeysService } from './api-keys.service.js';
import { CurrentPrincipal } from './auth.decorators.js';
import type { Principal } from './principal.js';

/** API keys, which only an admin key may create, list or revoke. */
@Controller()
export class KeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiRoute(API_ROUTES.createKey)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: createApiKeySchema }) body: CreateApiKey,
  ): Promise<CreatedApiKey> {
    return this.keys.create(body, principal);
  }

  @ApiRoute(API_ROUTES.listKeys)
  async list(): Promise<{ items: ApiKey[] }> {
    return { items: await this.keys.list() };
  }

  @ApiRoute(API_ROUTES.revokeKey)
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', { schema: apiKeyIdSchema }) id: string,
  ): Promise<void> {
    return this.keys.revoke(id, principal);
  }
}
