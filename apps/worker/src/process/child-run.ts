import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  describeError,
  type InfrastructureDependency,
  InfrastructureError,
} from '../errors/infrastructure-error.js';
import { childEnv } from './child-env.js';
import { startCold } from './cold-start.js';
import { EventLineParser, type ParsedLine } from './event-line-parser.js';
import { OutputCapture } from './output-capture.js';
import type { LaunchRequest, PipelineExit, RunningPipeline } from './pipeline-launcher.js';
import { signalGroup } from './process-group.js';
import type { ProcessRequest, StartedProcess, WarmStarter } from './started-process.js';
import { CHILD_FILE, OWNER_FILE } from './work-dir-sweep.js';

/** How the launcher starts pipelines; set by the platform, never by a job. */
export interface LauncherOptions {
  python: string;
  /** Each run gets a fresh directory here, removed when the run ends. */
  workRoot: string;
  /** Models kept between runs (CT_MODEL_CACHE_DIR). */
  modelCacheDir: string;
  /** MLflow Projects' environments (CT_PROJECT_ENV_DIR), the uv that builds them, and uv's cache. */
  projectEnvDir: string;
  uv: string | null;
  uvCacheDir: string;
  dataRoot: string;
  projectsRoot: string;
  irisUrl: string | null;
  mlflowTrackingUri: string;
  codeVersion: string | null;
  sourceDatabaseUrl: string | null;
  sourceStatementTimeoutMs: number;
  threadEnv: Readonly<Record<string, string>>;
  killGraceMs: number;
  maxOutputBytes: number;
}

// After the child exits, its pipes close as soon as what it left behind is killed; do not wait forever
// for a descendant that escaped the process group and still holds one.
const PIPES_CLOSE_TIMEOUT_MS = 2_000;

/**
 * One supervised pipeline process: started once (from the warm pool, or spawned cold), never reused, its whole
 * process group stopped on the way out.
 */
export class ChildRun implements RunningPipeline {
  readonly exited: Promise<PipelineExit>;
  private child: StartedProcess | null = null;
  private stopReason: 'timeout' | 'cancel' | null = null;
  private ended = false;
  private killTimer: NodeJS.Timeout | undefined;
  private output: OutputCapture;
  private readonly startedAt = performance.now();

  constructor(
    private readonly options: LauncherOptions,
    private readonly request: LaunchRequest,
    private readonly warm: WarmStarter | null = null,
  ) {
    this.output = new OutputCapture(options.maxOutputBytes, request.onOutput, request.onWarning);
    this.exited = this.run();
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  cancel(): void {
    this.stop('cancel');
  }

  private stop(reason: 'timeout' | 'cancel'): void {
    if (this.stopReason !== null || this.ended) return;
    this.stopReason = reason;
    const pid = this.child?.pid;
    if (pid !== undefined) this.terminate(pid);
  }

  private terminate(pid: number): void {
    signalGroup(pid, 'SIGTERM');
    this.killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.options.killGraceMs);
  }

  private async run(): Promise<PipelineExit> {
    let workDir: string | null = null;
    let dependency: InfrastructureDependency = 'filesystem';
    try {
      await mkdir(this.options.workRoot, { recursive: true, mode: 0o700 });
      workDir = await mkdtemp(join(this.options.workRoot, `${this.request.jobId}-`));
      // The owner's pid lets a later worker on this host tell a dead worker's leftovers (work-dir-sweep).
      await writeFile(join(workDir, OWNER_FILE), String(process.pid), { mode: 0o600 });
      // The child's TMPDIR: whatever it leaves there goes with the work dir.
      await mkdir(join(workDir, 'tmp'), { mode: 0o700 });
      const specPath = await this.specFile(workDir);
      if (this.stopReason !== null) return this.result({});
      dependency = 'process';
      return await this.startAndWait(workDir, specPath);
    } catch (error) {
      const spawnError = new InfrastructureError(dependency, describeError(error), { cause: error });
      return this.result({ spawnError });
    } finally {
      this.ended = true;
      clearTimeout(this.killTimer);
      if (workDir !== null) {
        await rm(workDir, { recursive: true, force: true }).catch((error: unknown) =>
          this.request.onWarning(`could not remove the work dir ${workDir}: ${describeError(error)}`),
        );
      }
    }
  }

  /** The file `--spec` names: the training spec written into the work dir, or the worker's own file. */
  private async specFile(workDir: string): Promise<string> {
    const { spec } = this.request;
    if ('file' in spec) return spec.file;
    const path = join(workDir, 'spec.json');
    await writeFile(path, JSON.stringify(spec.training), { mode: 0o600 });
    return path;
  }

  private async startAndWait(workDir: string, specPath: string): Promise<PipelineExit> {
    const { options, request } = this;
    const processRequest: ProcessRequest = {
      argv: [...request.entrypoint, '--spec', specPath],
      env: childEnv({
        ...options,
        workDir,
        jobId: request.jobId,
        mlflowRunId: request.mlflowRunId,
        ...(request.mlflowRun ? { mlflowRun: request.mlflowRun } : {}),
        registeredModel: request.registeredModel,
        exchangeDir: request.exchangeDir ?? null,
        projectsRoot: request.projectsRoot ?? options.projectsRoot,
      }),
      cwd: workDir,
    };
    const warm = await this.warm?.start(processRequest, request.warmStart !== false);
    const started = warm ?? (await startCold(options.python, processRequest));
    if ('spawnError' in started) {
      const cause = started.spawnError;
      return this.result({ spawnError: new InfrastructureError('process', describeError(cause), { cause }) });
    }
    this.child = started;
    return this.supervise(workDir, started);
  }

  private async supervise(workDir: string, child: StartedProcess): Promise<PipelineExit> {
    const { request } = this;
    const parser = new EventLineParser();
    const onEvents = (chunk: Buffer) => this.deliver(parser.push(chunk));
    const onStdout = (chunk: Buffer) => this.output.write('stdout', chunk);
    const onStderr = (chunk: Buffer) => this.output.write('stderr', chunk);
    const onStreamError = (error: Error) => request.onWarning(`pipe error: ${error.message}`);
    const streams = [child.stdout, child.stderr, child.events];
    child.stdout.on('data', onStdout);
    child.stderr.on('data', onStderr);
    child.events.on('data', onEvents);
    for (const stream of streams) stream.on('error', onStreamError);
    let timeout: NodeJS.Timeout | undefined;
    try {
      const { pid } = child;
      await writeFile(join(workDir, CHILD_FILE), String(pid), { mode: 0o600 });
      request.onSpawn?.(pid, child.warm);
      if (this.stopReason !== null) this.terminate(pid);
      timeout = setTimeout(() => this.stop('timeout'), request.timeoutMs);
      const { code, signal, lost } = await child.exited;
      this.ended = true;
      clearTimeout(timeout);
      // A finished pipeline leaves nothing behind: whatever still runs in its group goes with it.
      signalGroup(pid, 'SIGKILL');
      await Promise.race([child.closed, sleep(PIPES_CLOSE_TIMEOUT_MS, undefined, { ref: false })]);
      this.deliver(parser.end());
      this.output.end();
      return this.result({ exitCode: code, signal, lostError: lost ?? null });
    } finally {
      clearTimeout(timeout);
      child.stdout.off('data', onStdout);
      child.stderr.off('data', onStderr);
      child.events.off('data', onEvents);
      for (const stream of streams) {
        stream.off('error', onStreamError);
        stream.destroy();
      }
    }
  }

  private deliver(lines: ParsedLine[]): void {
    for (const line of lines) {
      if (line.ok) this.request.onEvent(line.event);
      else this.request.onWarning(line.problem);
    }
  }

  private result(partial: Partial<PipelineExit>): PipelineExit {
    return {
      pid: this.child?.pid ?? null,
      exitCode: null,
      signal: null,
      timedOut: this.stopReason === 'timeout',
      cancelled: this.stopReason === 'cancel',
      spawnError: null,
      lostError: null,
      warm: this.child?.warm ?? false,
      outputTruncated: this.output.truncated,
      durationMs: Math.round(performance.now() - this.startedAt),
      ...partial,
    };
  }
}
