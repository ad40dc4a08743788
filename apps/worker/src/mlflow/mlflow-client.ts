import { callMlflow, type MlflowAnswer, MlflowUnreachableError, tagRecord } from '@ct/shared/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { InfrastructureError } from '../errors/infrastructure-error.js';
import type { MlflowRunLocation } from '../process/pipeline-launcher.js';

export const RUN_END_STATUSES = ['FINISHED', 'FAILED', 'KILLED'] as const;
export type RunEndStatus = (typeof RUN_END_STATUSES)[number];

export interface MlflowRun {
  runId: string;
  experimentId: string;
  status: string;
  endTime: number | null;
  tags: Record<string, string>;
}

/** What a run records about the job attempt it belongs to (tags `ct.*` and `mlflow.runName`). */
export interface RunTags {
  jobId: string;
  team: string;
  pipeline: string;
  attempt: number;
  trigger: string;
  runName: string;
  /** A registered pipeline's run: its id, spec version, trigger record and data high-water mark. */
  registered?: {
    pipelineId: string;
    version: number;
    triggerId: string | null;
    dataHighWater: string | null;
  };
}

const REQUEST_TIMEOUT_MS = 10_000;
// Experiment ids remembered by name (one per pipeline and team); past this many the memory starts over.
const KNOWN_EXPERIMENTS_MAX = 10_000;

const experimentBody = z.object({
  experiment: z.object({ experiment_id: z.string(), lifecycle_stage: z.string().optional() }),
});
/** A run just created, and where it is (for the pipeline to log into it without reading it first). */
export interface CreatedRun extends MlflowRunLocation {
  runId: string;
}

const runBody = z.object({
  run: z.object({
    info: z.object({
      run_id: z.string(),
      experiment_id: z.string(),
      status: z.string(),
      artifact_uri: z.string().optional(),
      end_time: z.coerce.number().optional(),
    }),
    data: z.object({ tags: z.array(z.object({ key: z.string(), value: z.string() })).optional() }).optional(),
  }),
});

const searchBody = z.object({
  runs: z
    .array(
      z.object({
        info: z.object({
          run_id: z.string(),
          experiment_id: z.string(),
          status: z.string(),
          start_time: z.coerce.number().optional(),
          end_time: z.coerce.number().optional(),
        }),
        data: z
          .object({ tags: z.array(z.object({ key: z.string(), value: z.string() })).optional() })
          .optional(),
      }),
    )
    .optional(),
});

/** MLflow answered with an error status; `code` is its error_code (RESOURCE_DOES_NOT_EXIST...). */
class MlflowStatusError extends InfrastructureError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    what: string,
    body: string,
  ) {
    super('mlflow', `${what} answered HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

/** The only module that talks to MLflow's REST API. Every failure is an {@link InfrastructureError}. */
@Injectable()
export class MlflowClient {
  private readonly trackingUri: string;
  private readonly experimentIds = new Map<string, string>();
  private answeredAt = Number.NEGATIVE_INFINITY;

  constructor(@Inject(WORKER_CONFIG) config: Pick<WorkerConfig, 'mlflowTrackingUri'>) {
    this.trackingUri = config.mlflowTrackingUri;
  }

  /** The id of the experiment named `name`, created (or restored from deletion) when needed. */
  async getOrCreateExperiment(name: string): Promise<string> {
    const existing = await this.findExperiment(name);
    if (existing !== null) return existing;
    try {
      const created = await this.call('POST', 'experiments/create', { name });
      return z.object({ experiment_id: z.string() }).parse(created).experiment_id;
    } catch (error) {
      // Another worker created it between our two calls.
      if (!(error instanceof MlflowStatusError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
      const raced = await this.findExperiment(name);
      if (raced === null) throw error;
      return raced;
    }
  }

  /**
   * Creates a RUNNING run tagged with the job it belongs to in experiment `name` (created or restored when
   * needed); returns both ids. An experiment this client has created a run in before is not looked up again
   * (one request less per job); if MLflow refuses the run there (the experiment was deleted since), it is
   * looked up afresh, and restored, once.
   */
  async createRunIn(name: string, tags: RunTags): Promise<CreatedRun> {
    const known = this.experimentIds.get(name);
    if (known !== undefined) {
      try {
        return await this.createRun(known, tags);
      } catch (error) {
        if (!(error instanceof MlflowStatusError)) throw error;
        this.experimentIds.delete(name);
      }
    }
    const experimentId = await this.getOrCreateExperiment(name);
    const created = await this.createRun(experimentId, tags);
    if (this.experimentIds.size >= KNOWN_EXPERIMENTS_MAX) this.experimentIds.clear();
    this.experimentIds.set(name, experimentId);
    return created;
  }

  /** Creates a RUNNING run tagged with the job it belongs to. */
  async createRun(experimentId: string, tags: RunTags): Promise<CreatedRun> {
    const named: Record<string, string> = {
      'ct.job_id': tags.jobId,
      'ct.team': tags.team,
      'ct.pipeline': tags.pipeline,
      'ct.attempt': String(tags.attempt),
      'ct.trigger': tags.trigger,
      'mlflow.runName': tags.runName,
      ...(tags.registered
        ? {
            'ct.pipeline_id': tags.registered.pipelineId,
            'ct.pipeline_version': String(tags.registered.version),
            ...(tags.registered.triggerId ? { 'ct.trigger_id': tags.registered.triggerId } : {}),
            ...(tags.registered.dataHighWater ? { 'ct.data_high_water': tags.registered.dataHighWater } : {}),
          }
        : {}),
    };
    const body = await this.call('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: tags.runName,
      start_time: Date.now(),
      tags: Object.entries(named).map(([key, value]) => ({ key, value })),
    });
    const { info } = this.parse(runBody, body, 'runs/create').run;
    return { runId: info.run_id, experimentId: info.experiment_id, artifactUri: info.artifact_uri ?? null };
  }

  async updateRun(runId: string, status: RunEndStatus, endTime = Date.now()): Promise<void> {
    await this.call('POST', 'runs/update', { run_id: runId, status, end_time: endTime });
  }

  /** Whether one of this client's calls was answered successfully in the last `ms`. */
  answeredWithin(ms: number): boolean {
    return performance.now() - this.answeredAt < ms;
  }

  /** Whether MLflow answers a real call (one that reads its backend store) within `timeoutMs`. */
  async reachable(timeoutMs: number): Promise<boolean> {
    try {
      await this.call('POST', 'experiments/search', { max_results: 1 }, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Runs still RUNNING in ct's experiments (named `ct/...`) that carry a job id, with their tags and start
   * time: the sweep of runs whose attempt ended without ending them.
   */
  async openJobRuns(limit = 1000): Promise<(MlflowRun & { startTime: number })[]> {
    const experiments = z
      .object({ experiments: z.array(z.object({ experiment_id: z.string() })).optional() })
      .parse(
        await this.call('POST', 'experiments/search', { filter: "name LIKE 'ct/%'", max_results: 1000 }),
      );
    const ids = (experiments.experiments ?? []).map((e) => e.experiment_id);
    if (ids.length === 0) return [];
    const body = await this.call('POST', 'runs/search', {
      experiment_ids: ids,
      filter: "attributes.status = 'RUNNING' AND tags.`ct.job_id` != ''",
      max_results: limit,
    });
    const runs = this.parse(searchBody, body, 'runs/search').runs ?? [];
    return runs.map(({ info, data }) => ({
      runId: info.run_id,
      experimentId: info.experiment_id,
      status: info.status,
      endTime: info.end_time ?? null,
      startTime: info.start_time ?? 0,
      tags: tagRecord(data?.tags),
    }));
  }

  /** The run, or null when MLflow has no run with that id. */
  async getRun(runId: string): Promise<MlflowRun | null> {
    let body: unknown;
    try {
      body = await this.call('GET', `runs/get?${new URLSearchParams({ run_id: runId })}`);
    } catch (error) {
      if (error instanceof MlflowStatusError && error.code === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw error;
    }
    const { info, data } = this.parse(runBody, body, 'runs/get').run;
    return {
      runId: info.run_id,
      experimentId: info.experiment_id,
      status: info.status,
      endTime: info.end_time ?? null,
      tags: tagRecord(data?.tags),
    };
  }

  /** The version of registered model `name` that carries `alias`, or null when none does (or no such model). */
  async versionOfAlias(name: string, alias: string): Promise<string | null> {
    let body: unknown;
    try {
      body = await this.call('GET', `registered-models/alias?${new URLSearchParams({ name, alias })}`);
    } catch (error) {
      // No such model: RESOURCE_DOES_NOT_EXIST; a model without the alias: INVALID_PARAMETER_VALUE.
      const missing = ['RESOURCE_DOES_NOT_EXIST', 'INVALID_PARAMETER_VALUE'];
      if (error instanceof MlflowStatusError && missing.includes(error.code ?? '')) return null;
      throw error;
    }
    const answer = z.object({ model_version: z.object({ version: z.coerce.string() }) });
    return this.parse(answer, body, 'registered-models/alias').model_version.version;
  }

  private async findExperiment(name: string): Promise<string | null> {
    try {
      const body = await this.call(
        'GET',
        `experiments/get-by-name?${new URLSearchParams({ experiment_name: name })}`,
      );
      const { experiment } = this.parse(experimentBody, body, 'experiments/get-by-name');
      if (experiment.lifecycle_stage === 'deleted')
        await this.call('POST', 'experiments/restore', { experiment_id: experiment.experiment_id });
      return experiment.experiment_id;
    } catch (error) {
      if (error instanceof MlflowStatusError && error.code === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw error;
    }
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<unknown> {
    let answer: MlflowAnswer;
    try {
      answer = await callMlflow(this.trackingUri, method, path, body, timeoutMs);
    } catch (error) {
      if (!(error instanceof MlflowUnreachableError)) throw error;
      throw new InfrastructureError('mlflow', error.message, { cause: error.cause });
    }
    if (answer.ok) {
      this.answeredAt = performance.now();
      return answer.json;
    }
    throw new MlflowStatusError(answer.status, answer.errorCode, `MLflow ${path.split('?')[0]}`, answer.text);
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new InfrastructureError('mlflow', `unexpected answer from ${what}`);
    return parsed.data;
  }
}
