import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { ApiKeysService } from './api-keys.service.js';

/** Installs CT_BOOTSTRAP_ADMIN_KEY before the API answers, so that a fresh install can create keys. */
@Injectable()
export class BootstrapAdminKey implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdminKey.name);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly keys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const bootstrap = this.config.bootstrapAdmin;
    if (!bootstrap) return;
    if (await this.keys.upsertBootstrapKey(bootstrap.key, bootstrap.team))
      this.logger.log(`bootstrap admin key of team ${bootstrap.team} is ready`);
    else this.logger.warn('CT_BOOTSTRAP_ADMIN_KEY names a revoked key: it stays revoked; set a new one');
  }
}
