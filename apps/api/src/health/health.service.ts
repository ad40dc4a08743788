import type { DependencyCheck, Liveness, Readiness } from '@ct/shared';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { DEPENDENCY_PROBES, type DependencyProbe } from './dependency-probe.js';

const VERSION = process.env.npm_package_version ?? '0.1.0';

@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly startedAt = Date.now();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(DEPENDENCY_PROBES) private readonly probes: readonly DependencyProbe[],
  ) {}

  liveness(): Liveness {
    return { status: 'live', uptimeSeconds: (Date.now() - this.startedAt) / 1000, version: VERSION };
  }

  /** Probes every dependency in parallel, each bounded by the configured timeout. */
  async readiness(): Promise<Readiness> {
    const results = await Promise.all(
      this.probes.map(async (probe) => [probe.name, await this.run(probe)] as const),
    );
    const checks = Object.fromEntries(results) as Readiness['checks'];
    const down = results.filter(([, check]) => check.status === 'down').map(([name]) => name);
    return { status: down.length === 0 ? 'ready' : 'not_ready', down, checks };
  }

  private async run(probe: DependencyProbe): Promise<DependencyCheck> {
    const timeoutMs = this.config.healthCheckTimeoutMs;
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([probe.check(controller.signal), timeout]);
      return { status: 'up', latencyMs: elapsed(started) };
    } catch (error) {
      return { status: 'down', latencyMs: elapsed(started), error: describe(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.probes.map((probe) => probe.close()));
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message || error.name}${cause}`;
  }
  return String(error);
}
