import {
  type ApiKey,
  apiKeyIdSchema,
  type CreateApiKey,
  type CreatedApiKey,
  createApiKeySchema,
} from '@ct/shared';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service.js';
import { Roles } from './auth.decorators.js';

@Controller('v1/keys')
@Roles('admin')
export class KeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@Body({ schema: createApiKeySchema }) body: CreateApiKey): Promise<CreatedApiKey> {
    return this.keys.create(body);
  }

  @Get()
  async list(): Promise<{ items: ApiKey[] }> {
    return { items: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@Param('id', { schema: apiKeyIdSchema }) id: string): Promise<void> {
    return this.keys.revoke(id);
  }
}
