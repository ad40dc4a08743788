import type { DependencyProbe } from './dependency-probe.js';

/** Calls the tracking server's `/health` endpoint. */
export class MlflowProbe implements DependencyProbe {
  readonly name = 'mlflow' as const;

  constructor(private readonly trackingUri: string) {}

  async check(signal: AbortSignal): Promise<void> {
    const response = await fetch(`${this.trackingUri}/health`, { signal });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`GET /health answered ${response.status}`);
  }

  async close(): Promise<void> {}
}
