import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LauncherOptions } from '../../src/process/child-run.js';
import { WarmPool, type WarmPoolMetrics, type WarmPoolOptions } from '../../src/process/warm-pool.js';
import { PIPELINE_PYTHON } from './processes.js';

export const POOL_READY_MS = 60_000;

/** How the launcher tests start runs: the pipeline's interpreter, a work root of the test's own. */
export function launcherOptions(workRoot: string): LauncherOptions {
  return {
    python: PIPELINE_PYTHON,
    workRoot,
    modelCacheDir: join(workRoot, 'model-cache'),
    projectEnvDir: join(workRoot, 'project-envs'),
    uv: null,
    uvCacheDir: join(workRoot, 'uv-cache'),
    dataRoot: '/srv/ct-data',
    projectsRoot: '/srv/ct-projects',
    irisUrl: null,
    mlflowTrackingUri: 'http://127.0.0.1:5050',
    codeVersion: null,
    sourceDatabaseUrl: null,
    sourceStatementTimeoutMs: 300_000,
    threadEnv: { OMP_NUM_THREADS: '1' },
    killGraceMs: 500,
    maxOutputBytes: 64 * 1024,
  };
}

export const POOL_OPTIONS: WarmPoolOptions = {
  python: PIPELINE_PYTHON,
  threadEnv: { OMP_NUM_THREADS: '1' },
  mplConfigDir: join(tmpdir(), 'ct-test-matplotlib'),
  forkTimeoutMs: 10_000,
  codeCheckMs: 60_000,
};

/** A warm pool that has started opening (`pool.readyPid` is set once its server is ready). */
export function openPool(
  options: Partial<WarmPoolOptions> = {},
  metrics: WarmPoolMetrics = { started() {} },
): WarmPool {
  const pool = new WarmPool({ ...POOL_OPTIONS, ...options }, metrics);
  pool.open();
  return pool;
}
