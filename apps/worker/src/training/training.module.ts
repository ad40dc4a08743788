import { Module } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import { RunEndSweeper } from '../mlflow/run-end-sweeper.js';
import {
  ChildPipelineLauncher,
  LAUNCHER_OPTIONS,
  TRAIN_ENTRYPOINT,
} from '../process/child-pipeline-launcher.js';
import type { LauncherOptions } from '../process/child-run.js';
import { PIPELINE_LAUNCHER } from '../process/pipeline-launcher.js';
import { JobChannels } from '../redis/job-channels.js';
import { AttemptEnd } from './attempt-end.js';
import { CancelListener } from './cancel-listener.js';
import { DependencyGate } from './dependency-gate.js';
import { JobEventRecorder } from './job-event-recorder.js';
import { PreviousAttempt } from './previous-attempt.js';
import { RunTrainingJob } from './run-training-job.service.js';
import { RunningJobs } from './running-jobs.js';
import { TrainingProcessor } from './training.processor.js';
import { TrainingAttempt } from './training-attempt.js';

function launcherOptions(config: WorkerConfig): LauncherOptions {
  return {
    python: config.pipelinePython,
    entrypoint: TRAIN_ENTRYPOINT,
    workRoot: config.workDir,
    dataRoot: config.dataRoot,
    projectsRoot: config.projectsRoot,
    irisUrl: config.irisUrl,
    mlflowTrackingUri: config.mlflowTrackingUri,
    codeVersion: config.codeVersion,
    sourceDatabaseUrl: config.sourceDatabaseUrl,
    sourceStatementTimeoutMs: config.sourceStatementTimeoutMs,
    threadEnv: config.threadEnv,
    killGraceMs: config.killGraceMs,
    maxOutputBytes: config.jobLogMaxBytes,
  };
}

/** Training jobs: the queue's processor, the use case, and the pipeline processes it supervises. */
@Module({
  providers: [
    { provide: LAUNCHER_OPTIONS, useFactory: launcherOptions, inject: [WORKER_CONFIG] },
    { provide: PIPELINE_LAUNCHER, useClass: ChildPipelineLauncher },
    MlflowClient,
    JobChannels,
    JobEventRecorder,
    RunningJobs,
    DependencyGate,
    AttemptEnd,
    PreviousAttempt,
    TrainingAttempt,
    RunTrainingJob,
    RunEndSweeper,
    CancelListener,
    TrainingProcessor,
  ],
  exports: [RunningJobs],
})
export class TrainingModule {}
