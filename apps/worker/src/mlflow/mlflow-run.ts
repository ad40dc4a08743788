import { tagRecord } from '@ct/shared/runtime';
import { z } from 'zod';
import type { MlflowRunLocation } from '../process/pipeline-launcher.js';

// An MLflow run as the worker writes and reads it: the tags naming the job attempt it belongs to, and the
// shapes of MLflow's answers about runs. The statuses that end a run are @ct/db's RunEndStatus.

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

/** A run just created, and where it is (for the pipeline to log into it without reading it first). */
export interface CreatedRun extends MlflowRunLocation {
  runId: string;
}

/** The tags of a new run, as runs/create takes them; optional ones are left out when empty. */
export function runTagList(tags: RunTags): { key: string; value: string }[] {
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
  return Object.entries(named).map(([key, value]) => ({ key, value }));
}

// What MLflow says of any run; runs/create and runs/get add where its artifacts are, runs/search when it
// started.
const runInfo = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  status: z.string(),
  end_time: z.coerce.number().optional(),
});
const run = z.object({
  info: runInfo,
  data: z.object({ tags: z.array(z.object({ key: z.string(), value: z.string() })).optional() }).optional(),
});

/** The answer of runs/create and runs/get. */
export const runBody = z.object({
  run: run.extend({ info: runInfo.extend({ artifact_uri: z.string().optional() }) }),
});

/** The answer of runs/search. */
export const searchBody = z.object({
  runs: z
    .array(run.extend({ info: runInfo.extend({ start_time: z.coerce.number().optional() }) }))
    .optional(),
});

/** A run as MLflow described it (in runs/get or runs/search). */
export function toMlflowRun({ info, data }: z.infer<typeof run>): MlflowRun {
  return {
    runId: info.run_id,
    experimentId: info.experiment_id,
    status: info.status,
    endTime: info.end_time ?? null,
    tags: tagRecord(data?.tags),
  };
}
