import type { JobKind } from '@ct/shared';
import { Inject, Injectable } from '@nestjs/common';
import { ChildRun, type LauncherOptions } from './child-run.js';
import type { LaunchRequest, PipelineLauncher, RunningPipeline } from './pipeline-launcher.js';
import { signalGroup } from './process-group.js';

/** Injection token of the launcher's {@link LauncherOptions}. */
export const LAUNCHER_OPTIONS = Symbol('LAUNCHER_OPTIONS');

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
 * The one owner of pipeline child processes: a cold start per run (own process group, clean environment,
 * no shell, the spec passed as a file), stopped with SIGTERM then SIGKILL to the whole group.
 */
@Injectable()
export class ChildPipelineLauncher implements PipelineLauncher {
  constructor(@Inject(LAUNCHER_OPTIONS) private readonly options: LauncherOptions) {}

  launch(request: LaunchRequest): RunningPipeline {
    installExitHook();
    const run = new ChildRun(this.options, {
      ...request,
      onSpawn: (pid) => {
        liveGroups.add(pid);
        request.onSpawn?.(pid);
      },
    });
    void run.exited.then((exit) => exit.pid !== null && liveGroups.delete(exit.pid));
    return run;
  }
}
