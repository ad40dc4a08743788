import { registeredModelName } from '@ct/shared';
import { Inject, Injectable } from '@nestjs/common';
import type { CreatedRun } from '../mlflow/mlflow-run.js';
import { PIPELINE_LAUNCHER, type PipelineExit, type PipelineLauncher } from '../process/pipeline-launcher.js';
import { CancelListener } from './cancel-listener.js';
import type { Launch, PlannedAttempt } from './job-plan.js';
import type { JobControl } from './running-jobs.js';
import type { AttemptResult } from './training-outcome.js';

/**
 * The child of one attempt, from its launch to its end: it logs into the attempt's MLflow run, what it says
 * goes to the attempt's recorder, and a cancel request seen on the job stops it (the processes themselves are
 * the launcher's).
 */
@Injectable()
export class PipelineSupervisor {
  constructor(
    @Inject(PIPELINE_LAUNCHER) private readonly launcher: PipelineLauncher,
    private readonly cancels: CancelListener,
  ) {}

  /** Runs the plan's entry point to its end, stopped on a cancel, a timeout or the loss of the attempt. */
  async supervise(
    { job, attempt, runId, exchange, recorder }: PlannedAttempt,
    run: CreatedRun,
    entrypoint: readonly string[],
    { spec, warmStart, projectsRoot }: Launch,
    control: JobControl,
  ): Promise<AttemptResult> {
    const pipeline = this.launcher.launch({
      jobId: job.id,
      entrypoint,
      spec,
      ...(warmStart === undefined ? {} : { warmStart }),
      ...(projectsRoot === undefined ? {} : { projectsRoot }),
      ...(exchange === null ? {} : { exchangeDir: exchange.path }),
      mlflowRunId: runId,
      mlflowRun: run,
      registeredModel: registeredModelName(job.team, job.pipeline),
      timeoutMs: job.timeoutSeconds * 1000,
      onSpawn: (pid, warm) =>
        recorder.system(
          `pipeline started as process ${pid} (${warm ? 'forked from the warm pool' : 'cold start'})`,
        ),
      onEvent: (event) => recorder.pipelineEvent(event),
      onWarning: (message) => recorder.warning(message),
      onOutput: (stream, text) => recorder.output(stream, text),
    });
    control.attach(pipeline);
    if (control.stopCause === 'attempt_lost') recorder.system(`attempt ${attempt} was taken over: stopping`);
    const stopWatching = this.cancels.watchRow(job.id, control, recorder);
    let exit: PipelineExit;
    try {
      exit = await pipeline.exited;
    } finally {
      stopWatching();
    }
    recorder.system(`pipeline ended: ${describeExit(exit)}`);
    const stopCause = control.stopCause;
    return { kind: 'exited', exit, stopCause, result: recorder.result, stderrTail: recorder.stderrTail };
  }
}

/** How the child ended, for the job's log: exit code or signal, why it was stopped, after how long. */
function describeExit(exit: PipelineExit): string {
  const how = exit.spawnError
    ? `did not start (${exit.spawnError.message})`
    : exit.lostError
      ? `lost (${exit.lostError.message})`
      : exit.signal
        ? `killed by ${exit.signal}`
        : `exit code ${exit.exitCode}`;
  const why = exit.timedOut ? ', at its time limit' : exit.cancelled ? ', stopped on request' : '';
  const truncated = exit.outputTruncated ? '; output truncated' : '';
  return `${how}${why} after ${(exit.durationMs / 1000).toFixed(1)} s${truncated}`;
}
