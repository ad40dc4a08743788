import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysService } from './api-keys.service.js';
import { AuthGuard } from './auth.guard.js';
import { BootstrapAdminKey } from './bootstrap-admin-key.js';
import { KeysController } from './keys.controller.js';

@Module({
  controllers: [KeysController],
  providers: [ApiKeysService, BootstrapAdminKey, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeysService],
})
export class AuthModule {}
