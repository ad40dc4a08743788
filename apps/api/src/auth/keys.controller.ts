import {
  type ApiKey,
  apiKeyIdSchema,
  type CreateApiKey,
  type CreatedApiKey,
  createApiKeySchema,
} from '@ct/shared';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service.js';
import { CurrentPrincipal, Roles } from './auth.decorators.js';
import type { Principal } from './principal.js';

@Controller('v1/keys')
@Roles('admin')
export class KeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: createApiKeySchema }) body: CreateApiKey,
  ): Promise<CreatedApiKey> {
    return this.keys.create(body, principal);
  }

  @Get()
  async list(): Promise<{ items: ApiKey[] }> {
    return { items: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', { schema: apiKeyIdSchema }) id: string,
  ): Promise<void> {
    return this.keys.revoke(id, principal);
  }
}
