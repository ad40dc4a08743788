import type { RunEndStatus } from '@ct/db';
import { callMlflow, type MlflowAnswer, MlflowUnreachableError } from '@ct/shared/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { InfrastructureError } from '../errors/infrastructure-error.js';
import {
  type CreatedRun,
  type MlflowRun,
  type RunTags,
  runBody,
  runTagList,
  searchBody,
  toMlflowRun,
} from './mlflow-run.js';

const REQUEST_TIMEOUT_MS = 10_000;
// Experiment ids remembered by name (one per pipeline and team); past this many the memory starts over.
const KNOWN_EXPERIMENTS_MAX = 10_000;

const experimentBody = z.object({
  experiment: z.object({ experiment_id: z.string(), lifecycle_stage: z.string().optional() }),
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
    const body = await this.call('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: tags.runName,
      start_time: Date.now(),
      tags: runTagList(tags),
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
    return runs.map((run) => ({ ...toMlflowRun(run), startTime: run.info.start_time ?? 0 }));
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
    return toMlflowRun(this.parse(runBody, body, 'runs/get').run);
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
