import { type ApiKey, type CreateApiKey, type CreatedApiKey, createApiKeySchema } from '@ct/shared';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeysService } from './api-keys.service.js';
import { Roles } from './auth.decorators.js';

const keyIdSchema = z.uuid({ error: 'must be a key id (a UUID)' });

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
  revoke(@Param('id', { schema: keyIdSchema }) id: string): Promise<void> {
    return this.keys.revoke(id);
  }
}
