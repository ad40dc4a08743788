import type { JobKind } from '@ct/shared';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ChildRun, type LauncherOptions } from './child-run.js';
import type { LaunchRequest, PipelineLauncher, RunningPipeline } from './pipeline-launcher.js';
import { signalGroup } from './process-group.js';
import type { WarmStarter } from './started-process.js';

/** Injection token of the launcher's {@link LauncherOptions}. */
export const LAUNCHER_OPTIONS = Symbol('LAUNCHER_OPTIONS');
/** Injection token of the warm pool ({@link WarmStarter}); null when the worker runs every pipeline cold. */
export const WARM_STARTER = Symbol('WARM_STARTER');

/** The platform's entry point of each job kind, run by the configured interpreter: the only code it runs. */
export const PIPELINE_ENTRYPOINTS = {
  train: ['-m', 'ct_pipeline.train'],
  score: ['-m', 'ct_pipeline.score'],
  monitor: ['-m', 'ct_pipeline.monitor'],
} as const satisfies Record<JobKind, readonly string[]>;

// Children lead their own process groups, so they outlive a worker that exits abruptly (a second SIGTERM,
// a crash): the last thing this process does is kill every group it still runs.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  });
}

/**
 * The one owner of pipeline child processes: a fresh process per run (forked from the warm pool, or a cold
 * start; either way its own process group, clean environment, no shell, the spec passed as a file), stopped
 * with SIGTERM then SIGKILL to the whole group.
 */
@Injectable()
export class ChildPipelineLauncher implements PipelineLauncher {
  constructor(
    @Inject(LAUNCHER_OPTIONS) private readonly options: LauncherOptions,
    @Optional() @Inject(WARM_STARTER) private readonly warm: WarmStarter | null = null,
  ) {}

  launch(request: LaunchRequest): RunningPipeline {
    installExitHook();
    const run = new ChildRun(
      this.options,
      {
        ...request,
        onSpawn: (pid, warm) => {
          liveGroups.add(pid);
          request.onSpawn?.(pid, warm);
        },
      },
      this.warm,
    );
    void run.exited.then((exit) => exit.pid !== null && liveGroups.delete(exit.pid));
    return run;
  }
}
