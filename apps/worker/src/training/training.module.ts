import { homedir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { MlflowClient } from '../mlflow/mlflow-client.js';
import { RunEndSweeper } from '../mlflow/run-end-sweeper.js';
import { DegradationCheck } from '../monitoring/degradation-check.js';
import { ChildPipelineLauncher, LAUNCHER_OPTIONS, WARM_STARTER } from '../process/child-pipeline-launcher.js';
import type { LauncherOptions } from '../process/child-run.js';
import { LeftoverSweep } from '../process/leftover-sweep.js';
import { onPath } from '../process/on-path.js';
import { PIPELINE_LAUNCHER } from '../process/pipeline-launcher.js';
import { withThreadBudget } from '../process/thread-budget.js';
import { WarmPoolService } from '../process/warm-pool.service.js';
import { JobChannels } from '../redis/job-channels.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { MonitorPlan } from '../scoring/monitor-plan.js';
import { ScorePlan } from '../scoring/score-plan.js';
import { AttemptEnd } from './attempt-end.js';
import { CancelListener } from './cancel-listener.js';
import { DependencyGate } from './dependency-gate.js';
import { JobEventRecorder } from './job-event-recorder.js';
import { JobPlans } from './job-plans.js';
import { JobProducer } from './job-producer.js';
import { CONSUMED_QUEUES, type ConsumedQueue, JobsProcessor } from './jobs.processor.js';
import { PipelineSupervisor } from './pipeline-supervisor.js';
import { PlanRun } from './plan-run.js';
import { PreviousAttempt } from './previous-attempt.js';
import { ProjectCache } from './project-cache.js';
import { RunTrainingJob } from './run-training-job.service.js';
import { RunningJobs } from './running-jobs.js';
import { TrainingAttempt } from './training-attempt.js';
import { TrainingPlan } from './training-plan.js';

function launcherOptions(config: WorkerConfig): LauncherOptions {
  return {
    python: config.pipelinePython,
    workRoot: config.workDir,
    modelCacheDir: config.modelCacheDir,
    projectEnvDir: join(config.projectCacheDir, 'envs'),
    uv: config.uv ?? onPath('uv', process.env.PATH),
    uvCacheDir: process.env.UV_CACHE_DIR ?? join(homedir(), '.cache', 'uv'),
    dataRoot: config.dataRoot,
    projectsRoot: config.projectsRoot,
    irisUrl: config.irisUrl,
    mlflowTrackingUri: config.mlflowTrackingUri,
    codeVersion: config.codeVersion,
    sourceDatabaseUrl: config.sourceDatabaseUrl,
    sourceStatementTimeoutMs: config.sourceStatementTimeoutMs,
    threadEnv: withThreadBudget(config.threadEnv, config.concurrency),
    killGraceMs: config.killGraceMs,
    maxOutputBytes: config.jobLogMaxBytes,
  };
}

/** A processor of one of the queues the worker consumes. */
function processorOf(consumed: ConsumedQueue) {
  return {
    provide: `JobsProcessor:${consumed.queue}`,
    useFactory: (...deps: ProcessorDeps) => new JobsProcessor(consumed, ...deps),
    inject: [WORKER_CONFIG, RedisConnection, Database, RunningJobs, RunTrainingJob, LeftoverSweep],
  };
}
type ProcessorDeps =
  ConstructorParameters<typeof JobsProcessor> extends [unknown, ...infer Rest] ? Rest : never;

/**
 * Jobs of every kind (training, scoring, monitoring): the queues' processors, the use case, each kind's plan,
 * and the pipeline processes they supervise.
 */
@Module({
  providers: [
    { provide: LAUNCHER_OPTIONS, useFactory: launcherOptions, inject: [WORKER_CONFIG] },
    WarmPoolService,
    { provide: WARM_STARTER, useFactory: (pool: WarmPoolService) => pool.pool, inject: [WarmPoolService] },
    { provide: PIPELINE_LAUNCHER, useClass: ChildPipelineLauncher },
    MlflowClient,
    JobProducer,
    JobChannels,
    JobEventRecorder,
    RunningJobs,
    DependencyGate,
    AttemptEnd,
    PreviousAttempt,
    TrainingPlan,
    ProjectCache,
    ScorePlan,
    MonitorPlan,
    DegradationCheck,
    JobPlans,
    PipelineSupervisor,
    PlanRun,
    TrainingAttempt,
    RunTrainingJob,
    RunEndSweeper,
    CancelListener,
    LeftoverSweep,
    processorOf(CONSUMED_QUEUES.training),
    processorOf(CONSUMED_QUEUES.scoring),
  ],
  exports: [RunningJobs],
})
export class TrainingModule {}
