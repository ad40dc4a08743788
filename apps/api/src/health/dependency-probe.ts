import type { DependencyName } from '@ct/shared';

/** Checks that one dependency answers; rejects with the reason when it does not. */
export interface DependencyProbe {
  readonly name: DependencyName;
  check(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** All probes, injected as one list so that tests can replace them. */
export const DEPENDENCY_PROBES = Symbol('DEPENDENCY_PROBES');
