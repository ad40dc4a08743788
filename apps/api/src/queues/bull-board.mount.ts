import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { boardAuth } from './board-auth.middleware.js';
import { QueueMonitor } from './queue-monitor.js';

/** Where Bull Board is served. */
const BULL_BOARD_PATH = '/admin/queues';

/**
 * Mounts Bull Board on the API's Express app, behind admin keys. Mounted from a module hook, after Nest's
 * routes and before its not-found handler, so that every way of starting the API (main, tests) has it.
 */
@Injectable()
export class BullBoardMount implements OnModuleInit {
  private readonly logger = new Logger('BullBoard');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly monitor: QueueMonitor,
    private readonly keys: ApiKeysService,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  onModuleInit(): void {
    const http = this.adapterHost.httpAdapter;
    // An application context without HTTP (scripts) has nothing to mount on.
    if (!http) return;
    const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      queues: this.monitor.boardAdapters(),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'ct queues' } },
    });
    http.use(BULL_BOARD_PATH, boardAuth(this.keys, this.audit), serverAdapter.getRouter());
    this.logger.log(`Bull Board at ${BULL_BOARD_PATH}`);
  }
}
